import type { RouteConfig } from "@hono/zod-openapi";
import { ProblemError } from "@memoria/sync-core";
import { z } from "zod";
import { type GatewayApp, json } from "../../app.js";
import { access, defineRoute, jsonAnswer, securedProblems } from "../openapi/define.js";

/** How long a promotion holds the writer role without renewal (the holder's cron renews it). */
export const WRITER_LEASE_TTL_MS = 24 * 60 * 60 * 1000;

const leaseSchema = z.object({ holder: z.string(), token: z.number(), expires_at: z.string() });

export const promoteRoute = {
  method: "post",
  path: "/admin/promote",
  operationId: "promote",
  tags: ["admin"],
  summary: "Failover: take the writer role and the scheduler lease",
  description: "Each with a new fencing token, so the old writer's late decrements are refused.",
  security: access.scope("admin"),
  responses: {
    200: jsonAnswer(
      "Promoted",
      z.object({
        region: z.string(),
        role: z.literal("writer"),
        writer: leaseSchema,
        leader: leaseSchema,
      }),
    ),
    ...securedProblems(409),
  },
} satisfies RouteConfig;

export function registerPromoteRoute(app: GatewayApp): void {
  /**
   * Failover: this region takes the writer role and the scheduler lease, each with a new
   * fencing token, so the old writer's late decrements are refused everywhere.
   */
  defineRoute(app, promoteRoute, async (c) => {
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
