import type { SyncEvent, SyncTransport } from "@memoria/sync-core";
import type { StoreContext } from "./context.js";
import { counterUpsert } from "./counters.js";
import { inTransaction, type SqlClient, withClient } from "./sql.js";
import { SqlParams, writeTogether } from "./statement.js";

export interface RelayReport {
  published: number;
  /** Unpublished events left behind (more than `limit`, or the transport failed). */
  remaining: number;
  error?: string;
}

export interface RelayOptions {
  /** Rows per relay. @default 500 */
  limit?: number;
  /** Runs as soon as the transport took the events, before they are marked published. */
  onPublished?: () => void;
  /** A write just queued events (its kick): skip the check that any wait. */
  expectingEvents?: boolean;
}

/**
 * Publishes outbox rows in order, then marks them. One relay per region runs at a time
 * (a transaction-scoped advisory lock; a second relay returns at once), so events reach
 * the transport in outbox order. A relay that dies after publishing but before marking
 * leaves them to be published again, and receivers deduplicate by event id. A transport
 * failure leaves every row in place. On the hot path (a write just committed, `expectingEvents`)
 * this is four statements: `begin`, the lock with the rows, the marks with the counter,
 * `commit`.
 */
export async function relayOutbox(
  ctx: StoreContext,
  transport: SyncTransport,
  options: RelayOptions = {},
): Promise<RelayReport> {
  const { limit = 500, onPublished } = options;
  // A poll mostly finds nothing to send: one statement says so, instead of a transaction,
  // a lock and a count. A relay a write asked for knows better.
  if (!options.expectingEvents && !(await hasUnpublished(ctx)))
    return { published: 0, remaining: 0 };
  try {
    const relayed = await inTransaction(ctx.pool, (client) =>
      publishLocked(ctx, client, transport, limit, onPublished),
    );
    // Left behind: past the limit, or another relay holds the lock. A write committed
    // meanwhile kicks its own cycle, so a short batch leaves nothing to count.
    const remaining =
      relayed.locked && relayed.published < limit ? 0 : await countUnpublished(ctx).catch(() => -1);
    return { published: relayed.published, remaining };
  } catch (failure) {
    const error = (failure as Error).message;
    await withClient(ctx.pool, (client) =>
      client.query(
        `update ${ctx.s}.outbox set attempts = attempts + 1, last_error = $1
         where seq in (select seq from ${ctx.s}.outbox where published_at is null order by seq limit $2)`,
        [error, limit],
      ),
    ).catch(() => undefined);
    return { published: 0, remaining: await countUnpublished(ctx).catch(() => -1), error };
  }
}

/** Inside the relay's transaction: take the lock and the rows, publish, mark and count. */
async function publishLocked(
  ctx: StoreContext,
  client: SqlClient,
  transport: SyncTransport,
  limit: number,
  onPublished: (() => void) | undefined,
): Promise<{ locked: boolean; published: number }> {
  // One relay per region at a time, so the transport sees events in outbox order (what
  // makes an applied-HLC watermark mean "everything before it too"); the lock and the
  // rows in one round trip.
  const { rows } = await client.query(
    `select lock.ok, o.seq, o.body
     from (select pg_try_advisory_xact_lock(hashtext($1)) as ok) as lock
     left join lateral (
       select seq, body from ${ctx.s}.outbox
       where lock.ok and published_at is null order by seq limit $2 for update skip locked
     ) as o on true`,
    [`memoria-relay:${ctx.schema}`, limit],
  );
  const locked = rows[0]?.ok === true;
  const taken = rows.filter((row) => row.seq !== null);
  if (taken.length === 0) return { locked, published: 0 };
  const events = taken.map((row) => JSON.parse(row.body as string) as SyncEvent);
  await transport.publish(events);
  // On the transport now: peers may be told before the rows are marked.
  onPublished?.();
  const params = new SqlParams();
  const marks = `update ${ctx.s}.outbox set published_at = now(), attempts = attempts + 1, last_error = null
    where seq = any(${params.add(taken.map((row) => row.seq))}::bigint[])`;
  const counted = counterUpsert(
    ctx.s,
    [
      {
        name: "sync_events_published_total",
        labels: { backend: transport.backend },
        by: taken.length,
      },
    ],
    params,
  );
  await writeTogether(client, params, [marks, counted]);
  logPublished(ctx, events);
  return { locked, published: taken.length };
}

/**
 * At DEBUG, one line per published event. The band's decision is read back from the
 * event: the record was inside (`replicate`: content, or the tombstone of a record peers
 * hold), it just left (`redact`: the id only), or the event has no content and every peer
 * gets it (`content-free`: the daily decrement).
 */
function logPublished(ctx: StoreContext, events: readonly SyncEvent[]): void {
  if (!ctx.log.enabled("DEBUG")) return;
  for (const event of events)
    ctx.log.debug("sync.event.published", {
      event_id: event.id,
      action: event.action,
      namespace: event.namespace,
      origin: event.origin,
      privacy: event.privacy,
      decision: publishDecision(event),
      // Who can read the content: the regions it was sealed for, or everyone (clear).
      readable_by: event.sealed ? Object.keys(event.sealed.to) : event.payload ? "any" : "none",
    });
}

function publishDecision(event: SyncEvent): "replicate" | "redact" | "content-free" {
  if (event.action === "memory.redacted") return "redact";
  if (event.action === "schedule.decrement") return "content-free";
  // A key's state goes to every peer of the namespace: it is not memory content.
  if (event.entity_type === "apikey") return "content-free";
  return "replicate";
}

async function hasUnpublished(ctx: StoreContext): Promise<boolean> {
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `select exists (select 1 from ${ctx.s}.outbox where published_at is null) as waiting`,
    );
    return rows[0]?.waiting === true;
  });
}

export async function countUnpublished(ctx: StoreContext): Promise<number> {
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `select count(*)::int as n from ${ctx.s}.outbox where published_at is null`,
    );
    return Number(rows[0]?.n ?? 0);
  });
}
