import { sqlState } from "@memoria/sql";
import type { SyncEvent } from "@memoria/sync-core";
import {
  type ApplyOutcome,
  type ApplyReport,
  countDeliveries,
  mergeReports,
} from "./apply-outcomes.js";
import type { StoreContext } from "./context.js";
import { addCounters } from "./counters.js";
import { type ApplyFailure, failureOf, quarantine } from "./dead-letters.js";
import type { SqlClient } from "./sql.js";

/**
 * SQLSTATE classes that say nothing about one event — the connection, the server, locks
 * and serialization, the schema or privileges — so they must fail the whole batch (and
 * be retried with it) rather than quarantine whichever event happened to hit them.
 */
const SYSTEMIC_CLASSES = new Set([
  "08",
  "25",
  "28",
  "3D",
  "3F",
  "40",
  "42",
  "53",
  "55",
  "57",
  "58",
  "XX",
]);

/**
 * Whether a failed apply may be the fault of the events it applied: a data exception (bad
 * JSON, NUL, a value out of range), a constraint, or an error of our own code on one
 * event's payload. A broken connection is not, but needs no rule here: the savepoint
 * rollback that follows fails too, and that failure ends the transaction.
 */
export function isEventSpecific(error: unknown): boolean {
  const code = sqlState(error);
  return code === undefined || !SYSTEMIC_CLASSES.has(code.slice(0, 2));
}

/** Applies a batch in the caller's transaction: `applyInTransaction` (passed in, so the two files do not import each other). */
export type BatchApply = (
  client: SqlClient,
  ctx: StoreContext,
  events: readonly SyncEvent[],
  receivedAt: number,
) => Promise<ApplyReport>;

export interface Isolated {
  report: ApplyReport;
  quarantined: Array<{ event: SyncEvent; failure: ApplyFailure }>;
}

/**
 * After a batch failed as a whole: applies it again in halves, in ONE transaction, each
 * part under a savepoint; a failing part is rolled back to its savepoint and split, until
 * the event that fails alone is found and quarantined. Everything else is applied, once,
 * with the ledger, in the same transaction: k bad events among n cost O(k log n) tries,
 * and a crash anywhere leaves nothing half-done for the redelivery to trip on.
 */
export async function isolateFailures(
  client: SqlClient,
  ctx: StoreContext,
  events: readonly SyncEvent[],
  receivedAt: number,
  apply: BatchApply,
): Promise<Isolated> {
  const found: Isolated["quarantined"] = [];
  const reports: ApplyReport[] = [];
  const tryPart = async (part: readonly SyncEvent[]): Promise<void> => {
    await client.query("savepoint isolate");
    try {
      reports.push(await apply(client, ctx, part, receivedAt));
      await client.query("release savepoint isolate");
      return;
    } catch (error) {
      if (!isEventSpecific(error)) throw error;
      await client.query("rollback to savepoint isolate");
      await client.query("release savepoint isolate");
      if (part.length > 1) {
        for (const half of halves(part)) await tryPart(half);
        return;
      }
      const event = part[0] as SyncEvent;
      const failure = failureOf(error);
      reports.push(await quarantineOne(client, ctx, event, failure, receivedAt));
      found.push({ event, failure });
    }
  };
  // The whole batch just failed: start from its halves (a single event is tried once more).
  for (const part of events.length > 1 ? halves(events) : [events]) await tryPart(part);
  return { report: mergeReports(reports), quarantined: found };
}

function halves<T>(items: readonly T[]): T[][] {
  const middle = Math.ceil(items.length / 2);
  return [items.slice(0, middle), items.slice(middle)];
}

async function quarantineOne(
  client: SqlClient,
  ctx: StoreContext,
  event: SyncEvent,
  failure: ApplyFailure,
  receivedAt: number,
): Promise<ApplyReport> {
  await quarantine(client, ctx, event, failure);
  const outcomes = new Map<string, ApplyOutcome>([[event.id, "quarantined"]]);
  const { counts, increments } = countDeliveries(
    [event],
    new Set([event.id]),
    outcomes,
    receivedAt,
    ctx.namespace,
  );
  await addCounters(client, ctx.s, increments);
  return { outcomes, counts };
}
