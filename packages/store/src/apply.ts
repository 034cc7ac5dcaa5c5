import {
  type ClockDriftError,
  classifyInbound,
  compareHlc,
  type DecrementMark,
  decrementKey,
  eventEffect,
  mergeDecrement,
  mergeRecord,
  parseHlc,
  type RecordState,
  type SyncEvent,
} from "@memoria/sync-core";
import type { StoreContext } from "./context.js";
import { addCounters, histogramIncrements, type Labels } from "./counters.js";
import { memorySnapshotSchema } from "./memory.js";
import { inTransaction, type SqlClient } from "./sql.js";

/** What happened to each event of a batch. */
export type ApplyOutcome =
  | "applied"
  | "unchanged"
  | "duplicate"
  | "echo"
  | "namespace"
  | "redacted"
  | "privacy-filtered"
  | "invalid-payload";

export interface ApplyReport {
  outcomes: Map<string, ApplyOutcome>;
  counts: Record<ApplyOutcome, number>;
}

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
 */
export async function applyEvents(
  ctx: StoreContext,
  events: readonly SyncEvent[],
  receivedAt = Date.now(),
): Promise<ApplyReport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(ctx.pool, (client) =>
        applyInTransaction(client, ctx, events, receivedAt),
      );
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 5 || code === undefined || !RETRYABLE.has(code)) throw error;
    }
  }
}

type RecordEffect = {
  event: SyncEvent;
  state: RecordState;
  redact: boolean;
  reason?: "privacy" | "redacted";
};

async function applyInTransaction(
  client: SqlClient,
  ctx: StoreContext,
  events: readonly SyncEvent[],
  receivedAt: number,
): Promise<ApplyReport> {
  const outcomes = new Map<string, ApplyOutcome>();
  const unique = [...new Map(events.map((event) => [event.id, event])).values()];
  const fresh = await claimInLedger(client, ctx, unique);
  const records = new Map<string, RecordEffect[]>();
  const marks: Array<{ event: SyncEvent; mark: DecrementMark }> = [];

  for (const event of unique) {
    if (!fresh.has(event.id)) continue;
    const verdict = classifyInbound(event, {
      namespace: ctx.namespace,
      region: ctx.region,
      band: ctx.band,
    });
    if (verdict.verdict === "drop") {
      outcomes.set(event.id, verdict.reason);
      continue;
    }
    try {
      ctx.clock.receive(event.hlc);
    } catch (error) {
      // A peer clock too far ahead must not drag ours along; the event still applies by its HLC.
      if ((error as ClockDriftError).name !== "ClockDriftError") throw error;
    }
    const redact = verdict.verdict === "redact";
    const effect = eventEffect(event, redact);
    if (effect.kind === "decrement") {
      marks.push({ event, mark: effect.mark });
    } else if (effect.kind === "record") {
      let state = effect.state;
      if (state.status === "live") {
        const parsed = memorySnapshotSchema.safeParse({
          ...event.payload,
          id: event.entity_id,
          namespace: event.namespace,
          y: event.privacy,
        });
        if (!parsed.success) {
          outcomes.set(event.id, "invalid-payload");
          continue;
        }
        state = { ...state, data: { ...parsed.data } };
      }
      const key = `${state.namespace}\u0000${state.id}`;
      records.set(key, [
        ...(records.get(key) ?? []),
        { event, state, redact, ...(redact ? { reason: verdict.reason } : {}) },
      ]);
    } else {
      outcomes.set(event.id, "unchanged");
    }
  }

  await mergeRecords(client, ctx, records, outcomes);
  await mergeMarks(client, ctx, marks, outcomes);
  await raiseWatermarks(
    client,
    ctx,
    unique.filter(
      (event) =>
        fresh.has(event.id) &&
        outcomes.get(event.id) !== "namespace" &&
        outcomes.get(event.id) !== "echo",
    ),
  );
  await recordOutcomes(
    client,
    ctx,
    unique.filter((event) => fresh.has(event.id)),
    outcomes,
  );

  const counts: Record<ApplyOutcome, number> = {
    applied: 0,
    unchanged: 0,
    duplicate: 0,
    echo: 0,
    namespace: 0,
    redacted: 0,
    "privacy-filtered": 0,
    "invalid-payload": 0,
  };
  const increments: Array<{ name: string; labels?: Labels; by?: number }> = [];
  const counted = new Set<string>();
  // Per delivery: the first of a fresh id has its outcome, every other delivery is a duplicate.
  for (const event of events) {
    const outcome: ApplyOutcome =
      fresh.has(event.id) && !counted.has(event.id)
        ? (outcomes.get(event.id) ?? "unchanged")
        : "duplicate";
    counted.add(event.id);
    counts[outcome] += 1;
    const origin = { origin: event.origin };
    switch (outcome) {
      case "duplicate":
        increments.push({ name: "sync_duplicate_events_total", labels: origin });
        break;
      case "namespace":
        increments.push({ name: "namespace_mismatch_drops_total", labels: origin });
        break;
      case "privacy-filtered":
        increments.push({
          name: "privacy_filtered_events_total",
          labels: { ...origin, direction: "inbound" },
        });
        break;
      case "invalid-payload":
        increments.push({
          name: "sync_invalid_events_total",
          labels: { ...origin, reason: "payload" },
        });
        break;
      case "echo":
        break;
      default:
        increments.push({ name: "sync_events_applied_total", labels: origin });
        increments.push(
          ...histogramIncrements(
            "sync_subscription_latency_seconds",
            origin,
            (receivedAt - parseHlc(event.hlc).wall) / 1000,
          ),
        );
    }
  }
  for (const event of unique) if (!fresh.has(event.id)) outcomes.set(event.id, "duplicate");
  await addCounters(client, ctx.s, increments);
  return { outcomes, counts };
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

async function mergeRecords(
  client: SqlClient,
  ctx: StoreContext,
  records: Map<string, RecordEffect[]>,
  outcomes: Map<string, ApplyOutcome>,
): Promise<void> {
  if (records.size === 0) return;
  const keys = [...records.keys()].sort();
  const namespaces = keys.map((key) => key.split("\u0000")[0] as string);
  const ids = keys.map((key) => key.split("\u0000")[1] as string);
  const { rows } = await client.query(
    `select m.namespace, m.id, m.status, m.hlc, m.x, m.y from ${ctx.s}.memories m
     join unnest($1::text[], $2::text[]) as k(namespace, id) on m.namespace = k.namespace and m.id = k.id
     order by m.namespace, m.id for update of m`,
    [namespaces, ids],
  );
  const stored = new Map<string, RecordState>();
  for (const row of rows) {
    stored.set(`${row.namespace}\u0000${row.id}`, {
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
  const live: Array<Record<string, unknown>> = [];
  const gone: Array<{
    namespace: string;
    id: string;
    status: string;
    hlc: string;
    origin: string;
  }> = [];
  for (const key of keys) {
    const effects = records.get(key) as RecordEffect[];
    const before = stored.get(key);
    let winner: RecordEffect | undefined;
    let best: RecordState | undefined = before;
    for (const effect of effects) {
      const beatsStored =
        before === undefined || mergeRecord(before, effect.state) === effect.state;
      const outcome: ApplyOutcome = effect.redact
        ? effect.reason === "privacy"
          ? "privacy-filtered"
          : "redacted"
        : beatsStored
          ? "applied"
          : "unchanged";
      outcomes.set(effect.event.id, outcome);
      const merged = mergeRecord(best, effect.state);
      if (merged === effect.state) {
        best = effect.state;
        winner = effect;
      }
    }
    if (!winner) continue;
    const state = winner.state;
    if (state.status === "live") {
      live.push({
        ...(state.data as Record<string, unknown>),
        namespace: state.namespace,
        id: state.id,
        hlc: state.hlc,
        origin: winner.event.origin,
      });
    } else {
      gone.push({
        namespace: state.namespace,
        id: state.id,
        status: state.status,
        hlc: state.hlc,
        origin: winner.event.origin,
      });
    }
  }
  if (live.length > 0) {
    await client.query(
      `insert into ${ctx.s}.memories (namespace, id, status, team, anchor, text, tokens, symbolic_anchors, "timestamp", x, y, z, hlc, origin)
       select r.namespace, r.id, 'live', r.team, r.anchor, r.text, r.tokens, r.symbolic_anchors, r."timestamp", r.x, r.y, r.z, r.hlc, r.origin
       from jsonb_to_recordset($1::jsonb) as r(namespace text, id text, team text, anchor text, text text, tokens integer,
         symbolic_anchors jsonb, "timestamp" timestamptz, x double precision, y double precision, z double precision, hlc text, origin text)
       on conflict (namespace, id) do update set status = 'live', team = excluded.team, anchor = excluded.anchor,
         text = excluded.text, tokens = excluded.tokens, symbolic_anchors = excluded.symbolic_anchors,
         "timestamp" = excluded."timestamp", x = excluded.x, y = excluded.y, z = excluded.z,
         hlc = excluded.hlc, origin = excluded.origin, updated_at = now()`,
      [JSON.stringify(live)],
    );
  }
  if (gone.length > 0) {
    await client.query(
      `insert into ${ctx.s}.memories (namespace, id, status, hlc, origin)
       select r.namespace, r.id, r.status, r.hlc, r.origin from jsonb_to_recordset($1::jsonb) as r(namespace text, id text, status text, hlc text, origin text)
       on conflict (namespace, id) do update set status = excluded.status, team = null, anchor = null, text = null,
         tokens = null, symbolic_anchors = null, "timestamp" = null, x = null, y = null, z = null,
         hlc = excluded.hlc, origin = excluded.origin, updated_at = now()`,
      [JSON.stringify(gone)],
    );
  }
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
