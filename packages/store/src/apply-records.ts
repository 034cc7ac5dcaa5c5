import { mergeRecord, type RecordState, type SyncEvent } from "@memoria/sync-core";
import type { ApplyOutcome } from "./apply-outcomes.js";
import type { StoreContext } from "./context.js";
import { type RecordRow, upsertRecords } from "./record-sql.js";
import type { SqlClient } from "./sql.js";

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
 * Merges each record's effects with its stored state: rows locked in key order (so
 * concurrent batches never deadlock), the effects folded in memory with `mergeRecord`,
 * and only the winners written, in one statement.
 */
export async function mergeRecords(
  client: SqlClient,
  ctx: StoreContext,
  records: ReadonlyMap<string, RecordEffect[]>,
  outcomes: Map<string, ApplyOutcome>,
): Promise<void> {
  if (records.size === 0) return;
  const keys = [...records.keys()].sort();
  const stored = await lockStored(client, ctx, keys);
  const winners: RecordRow[] = [];
  for (const key of keys) {
    const winner = foldEffects(stored.get(key), records.get(key) ?? [], outcomes);
    if (winner) winners.push(toRow(winner));
  }
  await upsertRecords(client, ctx, winners);
}

async function lockStored(
  client: SqlClient,
  ctx: StoreContext,
  keys: string[],
): Promise<Map<string, RecordState>> {
  const split = keys.map((key) => key.split("\u0000") as [string, string]);
  const { rows } = await client.query(
    `select m.namespace, m.id, m.status, m.hlc, m.x, m.y from ${ctx.s}.memories m
     join unnest($1::text[], $2::text[]) as k(namespace, id) on m.namespace = k.namespace and m.id = k.id
     order by m.namespace, m.id for update of m`,
    [split.map(([namespace]) => namespace), split.map(([, id]) => id)],
  );
  const stored = new Map<string, RecordState>();
  for (const row of rows) {
    stored.set(recordKey(row.namespace as string, row.id as string), {
      id: row.id as string,
      namespace: row.namespace as string,
      hlc: row.hlc as string,
      status: row.status as RecordState["status"],
      // Only status and clock decide against the stored row; exact ties never happen with real clocks.
      data:
        row.status === "live"
          ? { x: Number(row.x), y: row.y === null ? null : Number(row.y) }
          : null,
    });
  }
  return stored;
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
