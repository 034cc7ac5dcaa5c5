import { compareHlc, type SyncEvent } from "@memoria/sync-core";
import type { ApplyOutcome, Increment } from "./apply-outcomes.js";
import { DROPPED } from "./apply-plan.js";
import type { StoreContext } from "./context.js";
import { counterUpsert } from "./counters.js";
import { type RecordRow, recordUpsert } from "./record-sql.js";
import type { SqlClient } from "./sql.js";
import { SqlParams, writeTogether } from "./statement.js";

export interface BatchWrites {
  /** The records' winning rows (`mergeRecords`). */
  winners: readonly RecordRow[];
  /** The events this batch claimed in the ledger, with their outcomes. */
  claimed: readonly SyncEvent[];
  outcomes: ReadonlyMap<string, ApplyOutcome>;
  increments: readonly Increment[];
}

/**
 * Everything a batch decided, written in ONE statement: the winning records, the
 * per-origin watermarks, each claimed event's outcome in the ledger, and the counters.
 * Each part touches its own table, so they may share the statement's one snapshot.
 */
export async function writeBatch(
  client: SqlClient,
  ctx: StoreContext,
  writes: BatchWrites,
): Promise<void> {
  const params = new SqlParams();
  // What this region dropped unseen (a foreign tenant, its own echo) says nothing about a peer's progress.
  const processed = writes.claimed.filter(
    (event) => !DROPPED.has(writes.outcomes.get(event.id) ?? "unchanged"),
  );
  await writeTogether(client, params, [
    recordUpsert(ctx.s, writes.winners, params),
    watermarkRaise(ctx, processed, params),
    outcomeUpdate(ctx, writes.claimed, writes.outcomes, params),
    counterUpsert(ctx.s, writes.increments, params),
  ]);
}

/** Per origin, the highest HLC this batch processed: what `/health/sync` reports as applied. */
function watermarkRaise(
  ctx: StoreContext,
  events: readonly SyncEvent[],
  params: SqlParams,
): string | undefined {
  const highest = new Map<string, string>();
  for (const event of events) {
    const current = highest.get(event.origin);
    if (current === undefined || compareHlc(event.hlc, current) > 0)
      highest.set(event.origin, event.hlc);
  }
  if (highest.size === 0) return undefined;
  const origins = [...highest.keys()].sort();
  return `insert into ${ctx.s}.watermarks (origin, hlc)
     select * from unnest(${params.add(origins)}::text[], ${params.add(origins.map((origin) => highest.get(origin)))}::text[])
     on conflict (origin) do update set hlc = greatest(${ctx.s}.watermarks.hlc, excluded.hlc), updated_at = now()`;
}

/** The claimed events' outcomes, replacing the ledger's `pending`. */
function outcomeUpdate(
  ctx: StoreContext,
  events: readonly SyncEvent[],
  outcomes: ReadonlyMap<string, ApplyOutcome>,
  params: SqlParams,
): string | undefined {
  if (events.length === 0) return undefined;
  const ids = params.add(events.map((e) => e.id));
  const values = params.add(events.map((e) => outcomes.get(e.id) ?? "unchanged"));
  return `update ${ctx.s}.applied_events a set outcome = v.outcome
     from unnest(${ids}::text[], ${values}::text[]) as v(id, outcome) where a.event_id = v.id`;
}
