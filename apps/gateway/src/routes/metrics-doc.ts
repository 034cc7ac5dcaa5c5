import type { RouteConfig } from "@hono/zod-openapi";
import { z } from "zod";
import { access, securedProblems } from "./openapi/define.js";

/** `GET /metrics` as the OpenAPI document describes it (the route is `metrics.ts`). */
export const metricsRoute = {
  method: "get",
  path: "/metrics",
  operationId: "getMetrics",
  tags: ["health"],
  summary: "Prometheus metrics (text exposition format)",
  description:
    "Any valid key of the namespace, the monitor key included; no key at all when `auth.public_health = true`.",
  security: access.monitor,
  responses: {
    200: {
      description: "Metrics",
      content: { "text/plain": { schema: z.string() } },
    },
    ...securedProblems(),
  },
} satisfies RouteConfig;
