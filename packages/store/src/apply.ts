import {
  type ClockDriftError,
  classifyInbound,
  compareHlc,
  type DecrementMark,
  decrementKey,
  eventEffect,
  mergeDecrement,
  type SyncEvent,
} from "@memoria/sync-core";
import { keyStateOf } from "./apikeys.js";
import { type Isolated, isEventSpecific, isolateFailures } from "./apply-isolate.js";
import { type KeyEffect, mergeKeyEvents } from "./apply-keys.js";
import { type ApplyOutcome, type ApplyReport, countDeliveries } from "./apply-outcomes.js";
import { mergeRecords, type RecordEffect, recordKey } from "./apply-records.js";
import type { StoreContext } from "./context.js";
import { addCounters } from "./counters.js";
import { memorySnapshotSchema } from "./memory.js";
import { inTransaction, type SqlClient } from "./sql.js";

export type { ApplyOutcome, ApplyReport } from "./apply-outcomes.js";

const RETRYABLE = new Set(["40001", "40P01"]);

/**
 * Applies a batch of verified events in ONE transaction with the ledger: an event id
 * seen before is skipped, so redelivery never applies anything twice; the receiving
 * region's own namespace and privacy checks run whatever the publisher decided; records
 * merge last-writer-wins with tombstones (sync-core's `mergeRecord`), and decrement marks
 * keep the smallest HLC per (namespace, date). Counters change in the same transaction.
 *
 * The batch costs a fixed number of statements (ledger, row locks, upserts, marks,
 * outcomes, counters), not a few per event: merge is order-independent, so the events of
 * one record are folded in memory and only the winner is written.
 *
 * An event that cannot be applied (bad JSON for jsonb, a constraint) must not hold up the
 * stream: when the batch fails on something that may be one event's fault, it is applied
 * again with that event isolated and quarantined (`apply-isolate.ts`), in one transaction.
 */
export async function applyEvents(
  ctx: StoreContext,
  events: readonly SyncEvent[],
  receivedAt = Date.now(),
): Promise<ApplyReport> {
  let isolated: Isolated;
  try {
    const report = await retrying(() =>
      inTransaction(ctx.pool, (client) => applyInTransaction(client, ctx, events, receivedAt)),
    );
    logConsumed(ctx, events, report);
    return report;
  } catch (error) {
    if (events.length === 0 || !isEventSpecific(error)) throw error;
    isolated = await retrying(() =>
      inTransaction(ctx.pool, (client) =>
        isolateFailures(client, ctx, events, receivedAt, applyInTransaction),
      ),
    );
  }
  // Logged once committed: a quarantine rolled back with its transaction never happened.
  for (const { event, failure } of isolated.quarantined)
    ctx.log.warn("sync.event.quarantined", {
      event_id: event.id,
      action: event.action,
      origin: event.origin,
      error: failure.message,
      sql_state: failure.code,
    });
  logConsumed(ctx, events, isolated.report);
  return isolated.report;
}

/** Runs `attempt` again (up to 5 times) when Postgres aborted it for a serialization failure or deadlock. */
export async function retrying<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (tries >= 5 || code === undefined || !RETRYABLE.has(code)) throw error;
    }
  }
}

/** One batch in the caller's transaction (the ledger claim first, then every effect). */
export async function applyInTransaction(
  client: SqlClient,
  ctx: StoreContext,
  events: readonly SyncEvent[],
  receivedAt: number,
): Promise<ApplyReport> {
  const unique = [...new Map(events.map((event) => [event.id, event])).values()];
  const fresh = await claimInLedger(client, ctx, unique);
  const claimed = unique.filter((event) => fresh.has(event.id));
  const { outcomes, records, marks, keys } = planEffects(ctx, claimed);
  await mergeRecords(client, ctx, records, outcomes);
  await mergeMarks(client, ctx, marks, outcomes);
  await mergeKeyEvents(client, ctx, keys, outcomes);
  // What this region dropped unseen (a foreign tenant, its own echo) says nothing about a peer's progress.
  await raiseWatermarks(
    client,
    ctx,
    claimed.filter((event) => !DROPPED.has(outcomes.get(event.id) ?? "unchanged")),
  );
  await recordOutcomes(client, ctx, claimed, outcomes);
  const { counts, increments } = countDeliveries(events, fresh, outcomes, receivedAt);
  for (const event of unique) if (!fresh.has(event.id)) outcomes.set(event.id, "duplicate");
  await addCounters(client, ctx.s, increments);
  return { outcomes, counts };
}

const DROPPED: ReadonlySet<ApplyOutcome> = new Set(["namespace", "echo"]);

interface Plan {
  outcomes: Map<string, ApplyOutcome>;
  records: Map<string, RecordEffect[]>;
  marks: Array<{ event: SyncEvent; mark: DecrementMark }>;
  keys: KeyEffect[];
}

/** The receiver's own checks on each claimed event, and what each asks to change. */
function planEffects(ctx: StoreContext, events: readonly SyncEvent[]): Plan {
  const plan: Plan = { outcomes: new Map(), records: new Map(), marks: [], keys: [] };
  const self = { namespace: ctx.namespace, region: ctx.region, band: ctx.band };
  for (const event of events) {
    const verdict = classifyInbound(event, self);
    if (verdict.verdict === "drop") {
      plan.outcomes.set(event.id, verdict.reason);
      continue;
    }
    receiveClock(ctx, event.hlc);
    if (event.entity_type === "apikey") {
      const state = keyStateOf(event);
      if (state) plan.keys.push({ event, state });
      else plan.outcomes.set(event.id, "invalid-payload");
      continue;
    }
    const redact = verdict.verdict === "redact";
    const effect = eventEffect(event, redact);
    if (effect.kind === "decrement") {
      plan.marks.push({ event, mark: effect.mark });
    } else if (effect.kind === "record") {
      const state = withSnapshot(effect.state, event);
      if (!state) {
        plan.outcomes.set(event.id, "invalid-payload");
        continue;
      }
      const key = recordKey(state.namespace, state.id);
      const reason = verdict.verdict === "redact" ? { reason: verdict.reason } : {};
      plan.records.set(key, [
        ...(plan.records.get(key) ?? []),
        { event, state, redact, ...reason },
      ]);
    } else {
      plan.outcomes.set(event.id, "unchanged");
    }
  }
  return plan;
}

/** A live state carries the event's payload checked as a whole snapshot; `undefined` when it is not one. */
function withSnapshot(
  state: RecordEffect["state"],
  event: SyncEvent,
): RecordEffect["state"] | undefined {
  if (state.status !== "live") return state;
  const parsed = memorySnapshotSchema.safeParse({
    ...event.payload,
    id: event.entity_id,
    namespace: event.namespace,
    y: event.privacy,
  });
  return parsed.success ? { ...state, data: { ...parsed.data } } : undefined;
}

function receiveClock(ctx: StoreContext, hlc: string): void {
  try {
    ctx.clock.receive(hlc);
  } catch (error) {
    // A peer clock too far ahead must not drag ours along; the event still applies by its HLC.
    if ((error as ClockDriftError).name !== "ClockDriftError") throw error;
  }
}

/** At DEBUG, one line per event of the batch with the receiver's decision on it. */
function logConsumed(ctx: StoreContext, events: readonly SyncEvent[], report: ApplyReport): void {
  if (!ctx.log.enabled("DEBUG")) return;
  for (const event of new Map(events.map((e) => [e.id, e])).values())
    ctx.log.debug("sync.event.consumed", {
      event_id: event.id,
      action: event.action,
      namespace: event.namespace,
      origin: event.origin,
      privacy: event.privacy,
      outcome: report.outcomes.get(event.id) ?? "unchanged",
    });
}

/** Inserts the batch's ids into the ledger; returns the ids seen here for the first time. */
async function claimInLedger(
  client: SqlClient,
  ctx: StoreContext,
  events: SyncEvent[],
): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  // Sorted, so concurrent batches take index locks in one order.
  const sorted = [...events].sort((a, b) => (a.id < b.id ? -1 : 1));
  const { rows } = await client.query(
    `insert into ${ctx.s}.applied_events (event_id, origin, action, outcome)
     select id, origin, action, 'pending' from unnest($1::text[], $2::text[], $3::text[]) as t(id, origin, action)
     on conflict (event_id) do nothing returning event_id`,
    [sorted.map((e) => e.id), sorted.map((e) => e.origin), sorted.map((e) => e.action)],
  );
  return new Set(rows.map((row) => row.event_id as string));
}

async function mergeMarks(
  client: SqlClient,
  ctx: StoreContext,
  marks: Array<{ event: SyncEvent; mark: DecrementMark }>,
  outcomes: Map<string, ApplyOutcome>,
): Promise<void> {
  if (marks.length === 0) return;
  const best = new Map<string, DecrementMark>();
  for (const { mark } of marks)
    best.set(
      decrementKey(mark.namespace, mark.date),
      mergeDecrement(best.get(decrementKey(mark.namespace, mark.date)), mark),
    );
  const winners = [...best.values()].sort((a, b) =>
    decrementKey(a.namespace, a.date) < decrementKey(b.namespace, b.date) ? -1 : 1,
  );
  const { rows } = await client.query(
    `insert into ${ctx.s}.decrements (namespace, date, hlc)
     select * from unnest($1::text[], $2::date[], $3::text[])
     on conflict (namespace, date) do update set hlc = excluded.hlc where excluded.hlc < ${ctx.s}.decrements.hlc
     returning namespace, to_char(date, 'YYYY-MM-DD') as date, hlc`,
    [winners.map((m) => m.namespace), winners.map((m) => m.date), winners.map((m) => m.hlc)],
  );
  const written = new Set(
    rows.map(
      (row) =>
        `${decrementKey(row.namespace as string, row.date as string)}\u0000${row.hlc as string}`,
    ),
  );
  for (const { event, mark } of marks) {
    const key = decrementKey(mark.namespace, mark.date);
    const won =
      compareHlc((best.get(key) as DecrementMark).hlc, mark.hlc) === 0 &&
      written.has(`${key}\u0000${mark.hlc}`);
    outcomes.set(event.id, won ? "applied" : "unchanged");
  }
}

/** Per origin, the highest HLC this batch processed: what `/health/sync` reports as applied. */
async function raiseWatermarks(
  client: SqlClient,
  ctx: StoreContext,
  events: SyncEvent[],
): Promise<void> {
  const highest = new Map<string, string>();
  for (const event of events) {
    const current = highest.get(event.origin);
    if (current === undefined || compareHlc(event.hlc, current) > 0)
      highest.set(event.origin, event.hlc);
  }
  if (highest.size === 0) return;
  const origins = [...highest.keys()].sort();
  await client.query(
    `insert into ${ctx.s}.watermarks (origin, hlc) select * from unnest($1::text[], $2::text[])
     on conflict (origin) do update set hlc = greatest(${ctx.s}.watermarks.hlc, excluded.hlc), updated_at = now()`,
    [origins, origins.map((origin) => highest.get(origin))],
  );
}

async function recordOutcomes(
  client: SqlClient,
  ctx: StoreContext,
  events: SyncEvent[],
  outcomes: Map<string, ApplyOutcome>,
): Promise<void> {
  if (events.length === 0) return;
  await client.query(
    `update ${ctx.s}.applied_events a set outcome = v.outcome from unnest($1::text[], $2::text[]) as v(id, outcome) where a.event_id = v.id`,
    [events.map((e) => e.id), events.map((e) => outcomes.get(e.id) ?? "unchanged")],
  );
}
