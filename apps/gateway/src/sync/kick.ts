import type { Context } from "hono";
import type { HonoEnv } from "../app.js";

/**
 * After a write that queued events, wake this region's puller so the outbox is relayed
 * now rather than at the next poll. Best effort: the puller's own polling and the cron
 * sweep pick the events up anyway.
 */
export function kickSync(c: Context<HonoEnv>, queued: boolean): void {
  if (!queued) return;
  const namespace = c.env.SYNC_PULLER;
  if (!namespace) return;
  const region = c.get("services").region;
  const stub = namespace.get(namespace.idFromName(region));
  const kick = stub.fetch("https://puller/kick", { method: "POST" }).then(
    (response) => response.body?.cancel(),
    (error: unknown) => console.warn(`[gateway] kick failed: ${(error as Error).message}`),
  );
  try {
    c.executionCtx.waitUntil(kick);
  } catch {
    // No execution context (app.request in unit tests): the promise runs on its own.
  }
}
