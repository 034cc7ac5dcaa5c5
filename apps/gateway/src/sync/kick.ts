import type { Context } from "hono";
import type { HonoEnv } from "../app.js";
import { objectId } from "../object-id.js";
import type { SyncWork } from "./puller.js";

/**
 * After a write that queued events (`relay`), or a peer's wake-up hint (`consume`), wake
 * this region's puller so it runs now rather than at the next poll, after the response
 * (`waitUntil`). Best effort: the puller's own polling and the cron sweep pick the events
 * up anyway.
 */
export function kickSync(c: Context<HonoEnv>, queued: boolean, work: SyncWork = "relay"): void {
  if (!queued) return;
  const namespace = c.env.SYNC_PULLER;
  if (!namespace) return;
  const { region, log } = c.get("services");
  const kick = namespace
    .get(objectId(namespace as DurableObjectNamespace<never>, region))
    .kick(work)
    .catch((error: unknown) => log.warn("sync.kick_failed", { error }));
  try {
    c.executionCtx.waitUntil(kick);
  } catch {
    // No execution context (app.request in unit tests): the promise runs on its own.
  }
}
