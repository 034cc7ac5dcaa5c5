import { mergeRecord, type RecordState, type SyncEvent } from "@memoria/sync-core";
import type { ApplyOutcome } from "./apply-outcomes.js";
import type { RecordRow } from "./record-sql.js";

/** One event's proposed state for one record, after the receiver's own checks. */
export interface RecordEffect {
  event: SyncEvent;
  state: RecordState;
  redact: boolean;
  reason?: "privacy" | "redacted";
}

export function recordKey(namespace: string, id: string): string {
  return `${namespace}\u0000${id}`;
}

/**
 * The records' new rows: each record's effects folded in memory with `mergeRecord`
 * against its stored state (read and locked with the ledger claim, `apply-claim.ts`),
 * each effect's outcome set, and only the winners returned, in key order, to be written
 * in one statement.
 */
export function mergeRecords(
  stored: ReadonlyMap<string, RecordState>,
  records: ReadonlyMap<string, RecordEffect[]>,
  outcomes: Map<string, ApplyOutcome>,
): RecordRow[] {
  const winners: RecordRow[] = [];
  for (const key of [...records.keys()].sort()) {
    const winner = foldEffects(stored.get(key), records.get(key) ?? [], outcomes);
    if (winner) winners.push(toRow(winner));
  }
  return winners;
}

/** A stored row as merge sees it. */
export function storedState(row: Record<string, unknown>): RecordState {
  return {
    id: row.id as string,
    namespace: row.namespace as string,
    hlc: row.hlc as string,
    status: row.status as RecordState["status"],
    // Only status and clock decide against the stored row; exact ties never happen with real clocks.
    data:
      row.status === "live" ? { x: Number(row.x), y: row.y === null ? null : Number(row.y) } : null,
  };
}

/** Sets each effect's outcome; returns the effect that beats everything, if any beats the stored row. */
function foldEffects(
  before: RecordState | undefined,
  effects: readonly RecordEffect[],
  outcomes: Map<string, ApplyOutcome>,
): RecordEffect | undefined {
  let winner: RecordEffect | undefined;
  let best = before;
  for (const effect of effects) {
    const beatsStored = before === undefined || mergeRecord(before, effect.state) === effect.state;
    outcomes.set(effect.event.id, outcomeOf(effect, beatsStored));
    if (mergeRecord(best, effect.state) === effect.state) {
      best = effect.state;
      winner = effect;
    }
  }
  return winner;
}

function outcomeOf(effect: RecordEffect, beatsStored: boolean): ApplyOutcome {
  if (effect.redact) return effect.reason === "privacy" ? "privacy-filtered" : "redacted";
  return beatsStored ? "applied" : "unchanged";
}

function toRow({ state, event }: RecordEffect): RecordRow {
  const row: RecordRow = {
    namespace: state.namespace,
    id: state.id,
    status: state.status,
    hlc: state.hlc,
    origin: event.origin,
  };
  return state.status === "live" && state.data ? { ...row, content: state.data } : row;
}
