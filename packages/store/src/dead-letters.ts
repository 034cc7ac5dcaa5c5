import { sqlState } from "@memoria/sql";
import type { SyncEvent } from "@memoria/sync-core";
import type { StoreContext } from "./context.js";
import { type HeldEvent, heldForm } from "./events.js";
import { inTransaction, type SqlClient, withClient } from "./sql.js";

/**
 * The dead-letter table (migration 5): verified events that failed to apply on their own,
 * with the error. Quarantining one also marks it `quarantined` in the ledger, in the same
 * transaction, so redelivery counts it as a duplicate instead of failing it for ever.
 */

/** Why an event could not be applied: the error's message and its SQLSTATE, when Postgres gave one. */
export interface ApplyFailure {
  message: string;
  code: string | null;
}

export interface DeadLetter {
  event_id: string;
  origin: string;
  action: string;
  entity_id: string;
  hlc: string;
  error: ApplyFailure;
  attempts: number;
  first_seen: string;
  last_attempt_at: string;
  /** As this region may show it: without content outside its band (`HeldEvent`). */
  event: HeldEvent["event"];
  redacted?: HeldEvent["redacted"];
}

const MESSAGE_MAX = 1_000;

/**
 * The failure as it is kept: no NUL and no lone surrogate (neither fits a text column,
 * and they may be exactly what broke the event), bounded in length. Only the message: a
 * Postgres `detail` can quote the failing row's content.
 */
export function failureOf(error: unknown): ApplyFailure {
  // Cut before cleaning: a cut through a surrogate pair leaves a lone one, cleaned too.
  const raw = (error instanceof Error ? error.message : String(error)).slice(0, MESSAGE_MAX);
  return { message: storable(raw) || "unknown error", code: sqlState(error) ?? null };
}

/** `text` with every NUL and lone surrogate replaced by U+FFFD: what a text column can hold. */
function storable(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what a text column refuses.
    /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    "\ufffd",
  );
}

/** Keeps `event` with its failure, or counts one more failed attempt on it; marks it handled in the ledger. */
export async function quarantine(
  client: SqlClient,
  ctx: StoreContext,
  event: SyncEvent,
  failure: ApplyFailure,
): Promise<void> {
  await client.query(
    `insert into ${ctx.s}.dead_letters (event_id, origin, action, entity_id, hlc, body, error, sql_state)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (event_id) do update set attempts = ${ctx.s}.dead_letters.attempts + 1,
       error = excluded.error, sql_state = excluded.sql_state, last_attempt_at = now()`,
    [
      event.id,
      event.origin,
      event.action,
      // The entity id is any string: it may be what broke the event.
      storable(event.entity_id),
      event.hlc,
      // JSON.stringify escapes NUL and lone surrogates, so even those bodies fit a text column.
      JSON.stringify(heldForm(event, ctx).event),
      failure.message,
      failure.code,
    ],
  );
  await client.query(
    `insert into ${ctx.s}.applied_events (event_id, origin, action, outcome) values ($1, $2, $3, 'quarantined')
     on conflict (event_id) do update set outcome = 'quarantined'`,
    [event.id, event.origin, event.action],
  );
}

/** The dead letter `id`, locked for the caller's transaction; `undefined` when there is none. */
export async function lockDeadLetter(
  client: SqlClient,
  ctx: StoreContext,
  id: string,
): Promise<SyncEvent | undefined> {
  const { rows } = await client.query(
    `select body from ${ctx.s}.dead_letters where event_id = $1 for update`,
    [id],
  );
  return rows[0] ? (JSON.parse(rows[0].body as string) as SyncEvent) : undefined;
}

/** One more failed retry: the new error, the attempt counted; returns the attempts so far. */
export async function recordFailedAttempt(
  client: SqlClient,
  ctx: StoreContext,
  id: string,
  failure: ApplyFailure,
): Promise<number> {
  const { rows } = await client.query(
    `update ${ctx.s}.dead_letters set attempts = attempts + 1, error = $2, sql_state = $3, last_attempt_at = now()
     where event_id = $1 returning attempts`,
    [id, failure.message, failure.code],
  );
  return Number(rows[0]?.attempts ?? 0);
}

export async function removeDeadLetter(
  client: SqlClient,
  ctx: StoreContext,
  id: string,
): Promise<void> {
  await client.query(`delete from ${ctx.s}.dead_letters where event_id = $1`, [id]);
}

const COLUMNS = `event_id, origin, action, entity_id, hlc, body, error, sql_state, attempts,
  first_seen, last_attempt_at`;

/** The oldest dead letters first, each as this region may show it now (its band may have tightened). */
export async function listDeadLetters(ctx: StoreContext, limit = 100): Promise<DeadLetter[]> {
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `select ${COLUMNS} from ${ctx.s}.dead_letters order by first_seen, event_id limit $1`,
      [limit],
    );
    return rows.map((row) => toDeadLetter(ctx, row));
  });
}

/** How many dead letters wait, and since when. */
export async function countDeadLetters(
  ctx: StoreContext,
): Promise<{ count: number; oldest_at: string | null }> {
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `select count(*)::int as n, min(first_seen) as oldest from ${ctx.s}.dead_letters`,
    );
    const oldest = rows[0]?.oldest as Date | string | null | undefined;
    return {
      count: Number(rows[0]?.n ?? 0),
      oldest_at: oldest ? new Date(oldest).toISOString() : null,
    };
  });
}

/**
 * Forgets a dead letter for good: the event stays handled in the ledger (`discarded`), so
 * no redelivery brings it back. Returns what was discarded, `undefined` when there was none.
 */
export async function discardDeadLetter(
  ctx: StoreContext,
  id: string,
): Promise<DeadLetter | undefined> {
  return inTransaction(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `delete from ${ctx.s}.dead_letters where event_id = $1 returning ${COLUMNS}`,
      [id],
    );
    if (!rows[0]) return undefined;
    await client.query(
      `update ${ctx.s}.applied_events set outcome = 'discarded' where event_id = $1`,
      [id],
    );
    return toDeadLetter(ctx, rows[0]);
  });
}

function toDeadLetter(ctx: StoreContext, row: Record<string, unknown>): DeadLetter {
  const stored = JSON.parse(row.body as string) as SyncEvent;
  const held = heldForm(stored, ctx);
  // Kept without its signature: its content was removed when it was quarantined.
  const redacted = held.redacted ?? (stored.sig === undefined ? "privacy" : undefined);
  return {
    event_id: row.event_id as string,
    origin: row.origin as string,
    action: row.action as string,
    entity_id: row.entity_id as string,
    hlc: row.hlc as string,
    error: { message: row.error as string, code: (row.sql_state as string | null) ?? null },
    attempts: Number(row.attempts),
    first_seen: new Date(row.first_seen as string | Date).toISOString(),
    last_attempt_at: new Date(row.last_attempt_at as string | Date).toISOString(),
    event: held.event,
    ...(redacted ? { redacted } : {}),
  };
}
