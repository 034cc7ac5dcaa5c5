import { canonicalJson } from "./canonical-json.js";
import type { SyncEvent } from "./event.js";
import { compareHlc } from "./hlc.js";

/**
 * Convergent replica state (a state-based CRDT): each record is a last-writer-wins
 * register ordered by HLC, deletes are absorbing tombstones, and the daily decrement is
 * a grow-only set of (namespace, date) marks. `mergeRecord` and `mergeDecrement` are
 * commutative, associative and idempotent, so replicas that received the same events,
 * in any order and with any duplicates, hold the same state. (The store folds events
 * with them in SQL transactions; `merge.testkit.ts` holds the whole-replica model the
 * property tests check them with.)
 *
 * How the decrement commutes with replicated updates: it never rewrites a record's x.
 * x is a register of its own inside the record: the x last set and the HLC it was set at
 * (`x_hlc`; the event's HLC when a payload lacks it). Its effective x is that value minus
 * the number of decrement marks of its namespace whose HLC is later than `x_hlc`. That
 * count depends only on the set of marks and the register, not on whether an update or
 * the decrement arrived first. A write that does not set x carries the register it found
 * unchanged, so a mark it had not yet received still counts; a write that sets x does so
 * at an HLC after every mark its writer knew, so those are not subtracted from the new x.
 * The record stays one last-writer-wins register: the winner's x and x_hlc come together.
 */

/** The fields merge reasons about; the rest of a snapshot travels untouched. */
export interface RecordData {
  x: number;
  y: number | null;
  [field: string]: unknown;
}

/**
 * - `live`: the record with its content;
 * - `redacted`: this region may not hold it (its y left our band); a later write back into
 *   the band replaces this state, an older one cannot;
 * - `deleted`: a tombstone; nothing replaces it.
 */
export type RecordStatus = "live" | "redacted" | "deleted";

export interface RecordState<D extends RecordData = RecordData> {
  id: string;
  namespace: string;
  /** HLC of the write that produced this state. */
  hlc: string;
  status: RecordStatus;
  data: D | null;
}

/** One daily decrement: the first HLC seen for its (namespace, local date) wins everywhere. */
export interface DecrementMark {
  namespace: string;
  /** Local date in `DECREMENT_TZ`, `YYYY-MM-DD`. */
  date: string;
  hlc: string;
}

/** A record state's rank in the merge, before its HLC: a tombstone outranks any other state. */
export const STATUS_RANK: Readonly<Record<RecordStatus, number>> = {
  live: 0,
  redacted: 0,
  deleted: 1,
};

/**
 * The winner of two states of one record: a tombstone beats everything; otherwise the
 * later HLC; two different states with the same HLC (which one clock never produces) are
 * ordered by their canonical JSON so the choice is still the same on every replica.
 */
export function mergeRecord<D extends RecordData>(
  a: RecordState<D> | undefined,
  b: RecordState<D>,
): RecordState<D> {
  if (a === undefined) return b;
  const rank = STATUS_RANK[a.status] - STATUS_RANK[b.status];
  if (rank !== 0) return rank > 0 ? a : b;
  const byClock = compareHlc(a.hlc, b.hlc);
  if (byClock !== 0) return byClock > 0 ? a : b;
  return canonicalJson(a) >= canonicalJson(b) ? a : b;
}

export function decrementKey(namespace: string, date: string): string {
  return `${namespace}\u0000${date}`;
}

export function mergeDecrement(a: DecrementMark | undefined, b: DecrementMark): DecrementMark {
  if (a === undefined) return b;
  return compareHlc(a.hlc, b.hlc) <= 0 ? a : b;
}

/** The state change an event asks for, before the receiver's own filters. */
export type EventEffect<D extends RecordData = RecordData> =
  | { kind: "record"; state: RecordState<D> }
  | { kind: "decrement"; mark: DecrementMark }
  | { kind: "none" };

/**
 * Maps an accepted event to its effect. `redact` is the receiving region's verdict that it
 * may not hold this record (see `classifyInbound`): the record becomes `redacted` at the
 * event's HLC, keeping no content.
 */
export function eventEffect<D extends RecordData = RecordData>(
  event: SyncEvent,
  redact = false,
): EventEffect<D> {
  const base = { id: event.entity_id, namespace: event.namespace, hlc: event.hlc };
  switch (event.action) {
    case "schedule.decrement": {
      const date = typeof event.payload?.date === "string" ? event.payload.date : event.entity_id;
      return { kind: "decrement", mark: { namespace: event.namespace, date, hlc: event.hlc } };
    }
    case "memory.deleted":
      return { kind: "record", state: { ...base, status: "deleted", data: null } };
    case "memory.redacted":
      return { kind: "record", state: { ...base, status: "redacted", data: null } };
    case "memory.created":
    case "memory.updated": {
      if (redact || event.payload === undefined)
        return { kind: "record", state: { ...base, status: "redacted", data: null } };
      const data = { ...event.payload, y: event.privacy } as D;
      return { kind: "record", state: { ...base, status: "live", data } };
    }
    case "thread.updated":
    // API keys are not records; the store merges them itself (`apikeys.ts`).
    case "apikey.upserted":
    case "apikey.revoked":
      return { kind: "none" };
  }
}
