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
    const [writer, scheduler] = await whileTransportAnswers(async () => [
      await leases.writer.seize(region, WRITER_LEASE_TTL_MS),
      await leases.scheduler.seize(region, config.scheduler.lease_ttl_ms),
    ]);
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

/**
 * The leases live on the shared transport: when it cannot be reached the promotion did not
 * complete, which is a retryable 503, not a broken region (a 500 would read as one).
 */
async function whileTransportAnswers<T>(take: () => Promise<T>): Promise<T> {
  try {
    return await take();
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    throw new ProblemError(
      503,
      {
        detail: `the sync transport did not answer, so the promotion did not complete; send it again (taking a lease twice is safe) (${(error as Error).message})`,
      },
      { "retry-after": "5" },
    );
  }
}
