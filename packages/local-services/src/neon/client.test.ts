import ws from "ws";
import { defineNeonClientSuite } from "./client-suite";

// Node 20 has no global WebSocket: the driver gets `ws`.
defineNeonClientSuite("node", { webSocketConstructor: ws });
