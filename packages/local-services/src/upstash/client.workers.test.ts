import { Redis } from "@upstash/redis/cloudflare";
import { defineUpstashClientSuite } from "./client-suite";

defineUpstashClientSuite(
  "workerd",
  ({ url, token, enableAutoPipelining }) => new Redis({ url, token, enableAutoPipelining }),
);
