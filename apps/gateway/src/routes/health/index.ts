import { REGION_HEADER } from "@memoria/sync-core";
import type { Hono } from "hono";
import { type HonoEnv, json } from "../../app.js";
import { collectStatus, unreadyReasons } from "../../status.js";

export function registerHealthRoutes(app: Hono<HonoEnv>): void {
  /**
   * Per-backend sync status with namespace, band, lag and leader (the playbook's
   * `/health/sync`): sync-core's `syncHealthSchema`, which the router parses.
   */
  app.get("/health/sync", async (c) =>
    json(200, await collectStatus(c.get("services")), { "cache-control": "no-store" }),
  );

  /** Readiness for load balancers and the router: 200 only when store and transport answer and lag is bounded. */
  app.get("/healthz", async (c) => {
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
