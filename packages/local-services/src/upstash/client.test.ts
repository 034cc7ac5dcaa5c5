import { Redis } from "@upstash/redis";
import { defineUpstashClientSuite } from "./client-suite";

defineUpstashClientSuite(
  "node",
  ({ url, token, enableAutoPipelining }) => new Redis({ url, token, enableAutoPipelining }),
);
