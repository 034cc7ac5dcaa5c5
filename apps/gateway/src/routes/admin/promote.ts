import { ProblemError } from "@memoria/sync-core";
import type { Hono } from "hono";
import { type HonoEnv, json } from "../../app.js";

/** How long a promotion holds the writer role without renewal (the holder's cron renews it). */
export const WRITER_LEASE_TTL_MS = 24 * 60 * 60 * 1000;

export function registerPromoteRoute(app: Hono<HonoEnv>): void {
  /**
   * Failover: this region takes the writer role and the scheduler lease, each with a new
   * fencing token, so the old writer's late decrements are refused everywhere.
   */
  app.post("/admin/promote", async (c) => {
    const { leases, region, config, store } = c.get("services");
    if (!leases)
      throw new ProblemError(409, {
        detail: "sync is off in this region: there is no shared lease to take",
      });
    const writer = await leases.writer.seize(region, WRITER_LEASE_TTL_MS);
    const scheduler = await leases.scheduler.seize(region, config.scheduler.lease_ttl_ms);
    await store.writeMetadata("promoted_at", new Date().toISOString());
    return json(200, {
      region,
      role: "writer",
      writer: {
        holder: writer.holder,
        token: writer.token,
        expires_at: new Date(writer.expiresAt).toISOString(),
      },
      leader: {
        holder: scheduler.holder,
        token: scheduler.token,
        expires_at: new Date(scheduler.expiresAt).toISOString(),
      },
    });
  });
}
