import { defineNeonClientSuite } from "./client-suite";

// workerd's own WebSocket carries the tunnel.
defineNeonClientSuite("workerd");
