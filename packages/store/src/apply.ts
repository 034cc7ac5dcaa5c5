import {
  type ClockDriftError,
  classifyInbound,
  eventEffect,
  mergeRecord,
  parseHlc,
  type RecordState,
  type SyncEvent,
} from "@memoria/sync-core";
import type { StoreContext } from "./context.js";
import { addCounters, histogramIncrements, type Labels } from "./counters.js";
import { type MemorySnapshot, memorySnapshotSchema } from "./memory.js";
import { inTransaction, type SqlClient } from "./sql.js";
import { upsertLive } from "./write.js";

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
 */
export async function applyEvents(
  ctx: StoreContext,
  events: readonly SyncEvent[],
  receivedAt = Date.now(),
): Promise<ApplyReport> {
  // Merge does not depend on order, so lock rows in one global order: no deadlock cycles.
  const ordered = [...events].sort(
    (a, b) => cmp(a.entity_id, b.entity_id) || cmp(a.hlc, b.hlc) || cmp(a.id, b.id),
  );
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(ctx.pool, (client) =>
        applyInTransaction(client, ctx, ordered, receivedAt),
      );
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 5 || code === undefined || !RETRYABLE.has(code)) throw error;
    }
  }
}

async function applyInTransaction(
  client: SqlClient,
  ctx: StoreContext,
  events: readonly SyncEvent[],
  receivedAt: number,
): Promise<ApplyReport> {
  const outcomes = new Map<string, ApplyOutcome>();
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
  for (const event of events) {
    const outcome = await applyOne(client, ctx, event, outcomes.has(event.id));
    outcomes.set(event.id, outcome);
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
  await addCounters(client, ctx.s, increments);
  return { outcomes, counts };
}

async function applyOne(
  client: SqlClient,
  ctx: StoreContext,
  event: SyncEvent,
  seenInBatch: boolean,
): Promise<ApplyOutcome> {
  if (seenInBatch) return "duplicate";
  const verdict = classifyInbound(event, {
    namespace: ctx.namespace,
    region: ctx.region,
    band: ctx.band,
  });
  const outcomeOf: ApplyOutcome | undefined =
    verdict.verdict === "drop" ? verdict.reason : undefined;
  const ledger = await client.query(
    `insert into ${ctx.s}.applied_events (event_id, origin, action, outcome) values ($1, $2, $3, $4)
     on conflict (event_id) do nothing returning event_id`,
    [event.id, event.origin, event.action, outcomeOf ?? "pending"],
  );
  if (ledger.rowCount === 0) return "duplicate";
  if (outcomeOf) return outcomeOf;
  try {
    ctx.clock.receive(event.hlc);
  } catch (error) {
    // A peer clock too far ahead must not drag ours along; the event still applies by its HLC.
    if ((error as ClockDriftError).name !== "ClockDriftError") throw error;
  }

  const redact = verdict.verdict === "redact";
  const effect = eventEffect(event, redact);
  let outcome: ApplyOutcome;
  if (effect.kind === "decrement") {
    const { rowCount } = await client.query(
      `insert into ${ctx.s}.decrements (namespace, date, hlc) values ($1, $2, $3)
       on conflict (namespace, date) do update set hlc = excluded.hlc where excluded.hlc < ${ctx.s}.decrements.hlc`,
      [effect.mark.namespace, effect.mark.date, effect.mark.hlc],
    );
    outcome = rowCount === 0 ? "unchanged" : "applied";
  } else if (effect.kind === "record") {
    let incoming: RecordState = effect.state;
    if (incoming.status === "live") {
      const parsed = memorySnapshotSchema.safeParse({
        ...event.payload,
        id: event.entity_id,
        namespace: event.namespace,
        y: event.privacy,
      });
      if (!parsed.success) {
        await setOutcome(client, ctx, event.id, "invalid-payload");
        return "invalid-payload";
      }
      incoming = { ...incoming, data: { ...parsed.data } };
    }
    const changed = await mergeIntoRow(client, ctx, incoming, event.origin);
    if (redact && verdict.reason === "privacy") outcome = "privacy-filtered";
    else if (redact) outcome = "redacted";
    else outcome = changed ? "applied" : "unchanged";
  } else {
    outcome = "unchanged";
  }
  await setOutcome(client, ctx, event.id, outcome);
  return outcome;
}

/** LWW merge against the stored row; writes only when the incoming state wins. */
async function mergeIntoRow(
  client: SqlClient,
  ctx: StoreContext,
  incoming: RecordState,
  origin: string,
): Promise<boolean> {
  const { rows } = await client.query(
    `select status, hlc, x, y from ${ctx.s}.memories where namespace = $1 and id = $2 for update`,
    [incoming.namespace, incoming.id],
  );
  const row = rows[0];
  if (row) {
    const stored: RecordState = {
      id: incoming.id,
      namespace: incoming.namespace,
      hlc: row.hlc as string,
      status: row.status as RecordState["status"],
      // Only status and clock decide the winner here; exact ties never happen with real clocks.
      data:
        row.status === "live"
          ? { x: Number(row.x), y: row.y === null ? null : Number(row.y) }
          : null,
    };
    if (mergeRecord(stored, incoming) === stored) return false;
  }
  if (incoming.status === "live") {
    await upsertLive(client, ctx, incoming.data as unknown as MemorySnapshot, incoming.hlc, origin);
  } else {
    await client.query(
      `insert into ${ctx.s}.memories (namespace, id, status, hlc, origin) values ($1, $2, $3, $4, $5)
       on conflict (namespace, id) do update set status = excluded.status, team = null, anchor = null, text = null,
         tokens = null, symbolic_anchors = null, "timestamp" = null, x = null, y = null, z = null,
         hlc = excluded.hlc, origin = excluded.origin, updated_at = now()`,
      [incoming.namespace, incoming.id, incoming.status, incoming.hlc, origin],
    );
  }
  return true;
}

async function setOutcome(
  client: SqlClient,
  ctx: StoreContext,
  eventId: string,
  outcome: ApplyOutcome,
): Promise<void> {
  await client.query(`update ${ctx.s}.applied_events set outcome = $2 where event_id = $1`, [
    eventId,
    outcome,
  ]);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
