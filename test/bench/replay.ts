/**
 * Catch-up replay rate: what `POST /sync/catch-up` does, page by page — `replaySince`
 * (no cursor moved) then `store.applyMessages` (parse, verify, apply) — into an empty
 * store, from the start of a backlog, for a bounded time.
 */
import type { Store } from "@memoria/store";
import type { Keyring, SyncTransport } from "@memoria/sync-core";
import { perSecond, round } from "./stats.js";

/** The gateway's catch-up chunk (apps/gateway/src/routes/sync/catch-up.ts). */
export const REPLAY_PAGE = 500;

export interface Replay {
  page: number;
  seconds: number;
  read: number;
  applied: number;
  events_per_s: number;
  /** Every entry of the backlog was read within the time. */
  reached_end: boolean;
}

export async function replayRate(
  store: Store,
  transport: SyncTransport,
  keyring: Keyring,
  seconds: number,
): Promise<Replay> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let after: string | undefined;
  let read = 0;
  let applied = 0;
  let reachedEnd = false;
  for (let page = 0; page < 1_000_000 && performance.now() < deadline; page++) {
    const batch = await transport.replaySince(0, {
      limit: REPLAY_PAGE,
      ...(after ? { after } : {}),
    });
    const report = await store.applyMessages(batch.messages, keyring);
    read += batch.messages.length;
    applied += report.apply.applied;
    after = batch.messages.at(-1)?.cursor ?? after;
    if (!batch.more || batch.messages.length === 0) {
      reachedEnd = true;
      break;
    }
  }
  return {
    page: REPLAY_PAGE,
    seconds: round((performance.now() - started) / 1000, 1),
    read,
    applied,
    events_per_s: round(perSecond(read, started)),
    reached_end: reachedEnd,
  };
}
