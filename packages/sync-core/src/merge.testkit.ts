import { compareHlc } from "./hlc.js";
import {
  type DecrementMark,
  decrementKey,
  type EventEffect,
  mergeDecrement,
  mergeRecord,
  type RecordData,
  type RecordState,
} from "./merge.js";
import { inBand, type PrivacyBand } from "./privacy.js";

/**
 * Test support: a whole replica in memory, the model the merge's property tests check
 * convergence with. Production keeps replicas in Postgres (`@memoria/store`), where the
 * effective x is computed in SQL, so none of this ships.
 */

export interface ReplicaState<D extends RecordData = RecordData> {
  records: Map<string, RecordState<D>>;
  decrements: Map<string, DecrementMark>;
}

export function emptyReplica<D extends RecordData = RecordData>(): ReplicaState<D> {
  return { records: new Map(), decrements: new Map() };
}

/** Join of two replicas; neither input is changed. */
export function mergeReplicas<D extends RecordData>(
  a: ReplicaState<D>,
  b: ReplicaState<D>,
): ReplicaState<D> {
  const records = new Map(a.records);
  for (const [id, state] of b.records) records.set(id, mergeRecord(records.get(id), state));
  const decrements = new Map(a.decrements);
  for (const [key, mark] of b.decrements)
    decrements.set(key, mergeDecrement(decrements.get(key), mark));
  return { records, decrements };
}

/** Applies one event to a replica in place and returns it. Idempotent. */
export function applyEffect<D extends RecordData>(
  replica: ReplicaState<D>,
  effect: EventEffect<D>,
): ReplicaState<D> {
  if (effect.kind === "record") {
    replica.records.set(
      effect.state.id,
      mergeRecord(replica.records.get(effect.state.id), effect.state),
    );
  } else if (effect.kind === "decrement") {
    const key = decrementKey(effect.mark.namespace, effect.mark.date);
    replica.decrements.set(key, mergeDecrement(replica.decrements.get(key), effect.mark));
  }
  return replica;
}

/** x as a reader sees it: the x last set minus every decrement of its namespace after it was set. */
export function effectiveX<D extends RecordData>(
  record: RecordState<D>,
  decrements: Iterable<DecrementMark>,
): number | null {
  if (record.status !== "live" || record.data === null) return null;
  let x = record.data.x;
  const setAt = typeof record.data.x_hlc === "string" ? record.data.x_hlc : record.hlc;
  for (const mark of decrements) {
    if (mark.namespace === record.namespace && compareHlc(mark.hlc, setAt) > 0) x -= 1;
  }
  return x;
}

/**
 * What a reader of this replica can see under `band`: live records inside it, with
 * effective x, sorted by id. Two converged replicas give equal views for any band both
 * allow.
 */
export function visibleRecords<D extends RecordData>(
  replica: ReplicaState<D>,
  band: PrivacyBand,
): Array<{ id: string; hlc: string; data: D }> {
  const marks = [...replica.decrements.values()];
  const out: Array<{ id: string; hlc: string; data: D }> = [];
  for (const record of replica.records.values()) {
    if (record.status !== "live" || record.data === null || !inBand(band, record.data.y)) continue;
    out.push({
      id: record.id,
      hlc: record.hlc,
      data: { ...record.data, x: effectiveX(record, marks) as number },
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
