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
  const { region, log } = c.get("services");
  const kick = namespace
    .get(namespace.idFromName(region))
    .kick()
    .catch((error: unknown) => log.warn("sync.kick_failed", { error }));
  try {
    c.executionCtx.waitUntil(kick);
  } catch {
    // No execution context (app.request in unit tests): the promise runs on its own.
  }
}
