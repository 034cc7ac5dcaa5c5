import type { RouteConfig } from "@hono/zod-openapi";
import { PROBLEM_CONTENT_TYPE, REGION_HEADER, syncHealthSchema } from "@memoria/sync-core";
import { z } from "zod";
import { type GatewayApp, json } from "../../app.js";
import { collectStatus, unreadyReasons } from "../../status.js";
import {
  access,
  defineRoute,
  jsonAnswer,
  problemSchema,
  problems,
  securedProblems,
} from "../openapi/define.js";

const healthSchema = syncHealthSchema.meta({ id: "SyncHealth" });

const readinessSchema = z.object({
  status: z.enum(["ok", "unavailable"]),
  region: z.string(),
  role: healthSchema.shape.role,
  reasons: z.array(z.string()),
  lag: healthSchema.shape.lag,
});

export const syncHealthRoute = {
  method: "get",
  path: "/health/sync",
  operationId: "getSyncHealth",
  tags: ["health"],
  summary: "Sync status: namespace, band, lag, leader, per backend",
  description:
    "Any valid key of the namespace, the monitor key included; no key at all when `auth.public_health = true`.",
  security: access.monitor,
  responses: { 200: jsonAnswer("The region's sync status", healthSchema), ...securedProblems() },
} satisfies RouteConfig;

export const readinessRoute = {
  method: "get",
  path: "/healthz",
  operationId: "getReadiness",
  tags: ["health"],
  summary: "Readiness, for load balancers and the router",
  security: access.public,
  responses: {
    ...problems(),
    200: jsonAnswer("Ready: store and transport answer, lag bounded", readinessSchema),
    503: {
      description: "Not ready (`reasons` says why), or the store did not answer at all (a problem)",
      content: {
        "application/json": { schema: readinessSchema },
        [PROBLEM_CONTENT_TYPE]: { schema: problemSchema },
      },
    },
  },
} satisfies RouteConfig;

export function registerHealthRoutes(app: GatewayApp): void {
  /**
   * Per-backend sync status with namespace, band, lag and leader (the playbook's
   * `/health/sync`): sync-core's `syncHealthSchema`, which the router parses.
   */
  defineRoute(app, syncHealthRoute, async (c) =>
    json(200, await collectStatus(c.get("services")), { "cache-control": "no-store" }),
  );

  /** Readiness for load balancers and the router: 200 only when store and transport answer and lag is bounded. */
  defineRoute(app, readinessRoute, async (c) => {
    const services = c.get("services");
    const status = await collectStatus(services);
    const reasons = unreadyReasons(status, services);
    const body = {
      status: reasons.length === 0 ? "ok" : "unavailable",
      region: status.region,
      role: status.role,
      reasons,
      lag: status.lag,
    };
    return json(reasons.length === 0 ? 200 : 503, body, {
      "cache-control": "no-store",
      [REGION_HEADER]: status.region,
    });
  });
}
