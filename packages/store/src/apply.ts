import type { SyncEvent } from "@memoria/sync-core";
import { claimAndLock } from "./apply-claim.js";
import { type Isolated, isEventSpecific, isolateFailures } from "./apply-isolate.js";
import { mergeKeyEvents } from "./apply-keys.js";
import { mergeMarks } from "./apply-marks.js";
import { openForApply, unsealable } from "./apply-open.js";
import { type ApplyReport, countDeliveries, zeroCounts } from "./apply-outcomes.js";
import { planEffects } from "./apply-plan.js";
import { mergeRecords } from "./apply-records.js";
import { writeBatch } from "./apply-write.js";
import type { StoreContext } from "./context.js";
import { quarantine } from "./dead-letters.js";
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
 * The batch costs a fixed number of statements, not a few per event (`applyInTransaction`):
 * merge is order-independent, so the events of one record are folded in memory and only
 * the winner is written.
 *
 * An event that cannot be applied (bad JSON for jsonb, a constraint) must not hold up the
 * stream: when the batch fails on something that may be one event's fault, it is applied
 * again with that event isolated and quarantined (`apply-isolate.ts`), in one transaction.
 */
export async function applyEvents(
  ctx: StoreContext,
  received: readonly SyncEvent[],
  receivedAt = Date.now(),
): Promise<ApplyReport> {
  // An idle consumer's empty pull costs no transaction.
  if (received.length === 0) return { outcomes: new Map(), counts: zeroCounts() };
  const events = await openForApply(ctx, received);
  let isolated: Isolated;
  try {
    const report = await retrying(() =>
      inTransaction(ctx.pool, (client) => applyInTransaction(client, ctx, events, receivedAt)),
    );
    logConsumed(ctx, events, report);
    return report;
  } catch (error) {
    if (!isEventSpecific(error)) throw error;
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

/**
 * One batch in the caller's transaction, in a fixed number of statements whatever its
 * size: the ledger claim with the records' rows (`apply-claim.ts`), then every write at
 * once (`apply-write.ts`); a decrement mark or an API key event adds one statement each.
 */
export async function applyInTransaction(
  client: SqlClient,
  ctx: StoreContext,
  events: readonly SyncEvent[],
  receivedAt: number,
): Promise<ApplyReport> {
  const unique = [...new Map(events.map((event) => [event.id, event])).values()];
  const { fresh, stored } = await claimAndLock(client, ctx, unique);
  const claimed = unique.filter((event) => fresh.has(event.id));
  const { outcomes, records, marks, keys } = planEffects(ctx, claimed);
  const winners = mergeRecords(stored, records, outcomes);
  await mergeMarks(client, ctx, marks, outcomes);
  await mergeKeyEvents(client, ctx, keys, outcomes);
  const { counts, increments } = countDeliveries(
    events,
    fresh,
    outcomes,
    receivedAt,
    ctx.namespace,
  );
  await writeBatch(client, ctx, { winners, claimed, outcomes, increments });
  for (const event of claimed) {
    const sealed = unsealable(event);
    if (sealed) await quarantine(client, ctx, sealed.original, sealed.failure);
  }
  for (const event of unique) if (!fresh.has(event.id)) outcomes.set(event.id, "duplicate");
  return { outcomes, counts };
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
