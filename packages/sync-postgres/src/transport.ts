import {
  describeFieldErrors,
  parseEvent,
  type SyncEvent,
  type SyncTransport,
  type TransportBatch,
  type TransportHealth,
  type TransportMessage,
} from "@memoria/sync-core";
import { comparePositions, formatCursor, ORIGIN, type Position, parseCursor } from "./cursor.js";
import { ensureJournal } from "./ddl.js";
import { checkChannel, checkRegion, type JournalNames, journalNames } from "./names.js";
import {
  asError,
  inTransaction,
  num,
  numOrNull,
  type SqlClient,
  type SqlPool,
  sqlState,
  text,
  withClient,
} from "./sql.js";

export interface PostgresTransportOptions {
  /** A Neon `Pool` (WebSocket) or a `pg` `Pool`; in workerd, one per request. */
  pool: SqlPool;
  /** This region's id: the key of its cursor row. */
  region: string;
  /** Journal table, optionally schema-qualified (`sync.table`). @default "memoria_sync_events" */
  table?: string;
  /** NOTIFY channel for wake-ups (`sync.channel`). @default "memoria-sync" */
  channel?: string;
  /**
   * An entry handed out but not acked is handed out again once it has been idle this
   * long (a consumer that died before acking). `0` re-delivers on the very next pull.
   * @default 30000
   */
  claimIdleMs?: number;
  /**
   * `prune()` keeps at least this many newest rows (`sync.retention_events`), for replay
   * and for regions that have not consumed yet. @default 1000000
   */
  retentionEvents?: number;
  /** Create the tables on first use when missing (`ensureJournal`). @default true */
  ensureSchema?: boolean;
  /** `health()` reports `reachable: false` after this long. @default 5000 */
  healthTimeoutMs?: number;
}

/** Largest page one pull or replay returns; a larger `limit` is capped. */
export const MAX_BATCH = 10_000;

/**
 * `SyncTransport` over a Postgres journal table (DESIGN §5). Publish is an INSERT plus
 * `pg_notify` in one transaction; each region pulls from its own cursor in (txid, id)
 * order, reading only rows whose transaction is older than every running one, so a
 * row that commits late is never skipped (README, "Why (txid, id)").
 */
export class PostgresTransport implements SyncTransport {
  readonly backend = "postgres" as const;
  readonly region: string;
  readonly channel: string;
  readonly names: JournalNames;
  private readonly pool: SqlPool;
  private readonly claimIdleMs: number;
  private readonly healthTimeoutMs: number;
  private readonly retentionEvents: number;
  private readonly ensureSchema: boolean;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresTransportOptions) {
    this.pool = options.pool;
    this.region = checkRegion(options.region);
    this.names = journalNames(options.table ?? "memoria_sync_events");
    this.channel = checkChannel(options.channel ?? "memoria-sync");
    this.claimIdleMs = nonNegative(options.claimIdleMs ?? 30_000, "claimIdleMs");
    this.healthTimeoutMs = nonNegative(options.healthTimeoutMs ?? 5_000, "healthTimeoutMs");
    this.retentionEvents = nonNegative(options.retentionEvents ?? 1_000_000, "retentionEvents");
    this.ensureSchema = options.ensureSchema ?? true;
  }

  /** Creates the tables if missing (once per instance; retried after a failure). */
  async ensure(): Promise<void> {
    if (!this.ensureSchema) return;
    this.ready ??= ensureJournal(this.pool, this.names).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /**
   * Appends events in order in one transaction and notifies the channel with the last
   * cursor. An event whose id is already in the journal is not written again: its
   * existing cursor is returned, so a relay that retries after a lost answer can still
   * mark its outbox row published. Returns one cursor per input event.
   */
  async publish(events: readonly SyncEvent[]): Promise<string[]> {
    if (events.length === 0) return [];
    const rows = journalRows(events);
    // One row per event id; a repeat within the batch gets the first one's cursor.
    const firsts = new Map<string, JournalRow>();
    for (const row of rows) if (!firsts.has(row.event.id)) firsts.set(row.event.id, row);
    const unique = [...firsts.values()];
    await this.ensure();
    return inTransaction(this.pool, async (client) => {
      const { byId, last } = await insertRows(client, this.names, unique);
      const known = unique.filter((r) => !byId.has(r.event.id)).map((r) => r.event.id);
      // Already published (by an earlier call or a concurrent one that committed first).
      if (known.length > 0) await readPositions(client, this.names, known, byId);
      if (last !== undefined) {
        // Delivered at commit, to listeners only; it carries a position, never an event.
        await client.query("select pg_notify($1, $2)", [this.channel, formatCursor(last)]);
      }
      return rows.map((r) => {
        const position = byId.get(r.event.id);
        if (position === undefined)
          throw new Error(`event ${r.event.id} vanished while publishing`);
        return formatCursor(position);
      });
    });
  }

  /**
   * The next entries for this region, oldest first: entries handed out before but not
   * acked (once idle `claimIdleMs`), then new ones. Only rows whose writing transaction
   * is older than every transaction still running are read: that set never changes
   * afterwards, so the cursor cannot pass a row that commits later.
   */
  async pull(requested: number): Promise<TransportBatch> {
    const limit = checkLimit(requested);
    await this.ensure();
    const n = this.names;
    return inTransaction(this.pool, async (client) => {
      const acked = await lockCursor(client, n, this.region, true);
      const { rows } = await client.query(
        `with ready as (
           select e.id, e.txid, e.body, e.published_at
             from ${n.journal} e
            where e.txid < pg_snapshot_xmin(pg_current_snapshot())
              and (e.txid, e.id) > ($2::xid8, $3::bigint)
              and not exists (
                select 1 from ${n.pending} p
                 where p.region = $1 and p.txid = e.txid and p.id = e.id
                   and (p.acked or p.delivered_at > now() - $5::float8 * interval '1 millisecond'))
            order by e.txid, e.id
            limit $4::int + 1
         ), batch as (
           select * from ready order by txid, id limit $4::int
         ), marked as (
           insert into ${n.pending} as p (region, txid, id)
           select $1, txid, id from batch
           on conflict (region, txid, id)
             do update set deliveries = p.deliveries + 1, delivered_at = now()
           returning p.txid, p.id, p.deliveries
         ), furthest as (
           update ${n.cursors} c
              set delivered_txid = b.txid, delivered_id = b.id
             from (select txid, id from batch order by txid desc, id desc limit 1) b
            where c.region = $1 and (c.delivered_txid, c.delivered_id) < (b.txid, b.id)
         )
         select b.id::text as id, b.txid::text as txid, b.body,
                floor(extract(epoch from b.published_at) * 1000)::float8 as published_ms,
                m.deliveries::float8 as deliveries,
                (select count(*) from ready)::float8 as ready
           from batch b join marked m on m.txid = b.txid and m.id = b.id
          order by b.txid, b.id`,
        [this.region, String(acked.txid), String(acked.id), limit, this.claimIdleMs],
      );
      const messages: TransportMessage[] = rows.map((row) => ({
        cursor: formatCursor({ txid: BigInt(text(row, "txid")), id: BigInt(text(row, "id")) }),
        body: text(row, "body"),
        publishedAt: num(row, "published_ms"),
        deliveries: num(row, "deliveries"),
      }));
      const ready = rows.length > 0 ? num(rows[0] as Record<string, unknown>, "ready") : 0;
      return { messages, more: ready > limit };
    });
  }

  /**
   * Marks entries applied. Acks may come in any order: the cursor advances over the
   * longest run of acked entries after it, and an entry acked ahead of an earlier one
   * waits (and is not handed out again) until the earlier one is acked too. Cursors
   * this region was never handed, or already passed, are ignored.
   */
  async ack(cursors: readonly string[]): Promise<void> {
    if (cursors.length === 0) return;
    const positions = cursors.map(parseCursor);
    await this.ensure();
    const n = this.names;
    await inTransaction(this.pool, async (client) => {
      const acked = await lockCursor(client, n, this.region, false);
      await client.query(
        `update ${n.pending} p set acked = true
           from unnest($2::xid8[], $3::bigint[]) as a(txid, id)
          where p.region = $1 and p.txid = a.txid and p.id = a.id and not p.acked`,
        [this.region, positions.map((p) => String(p.txid)), positions.map((p) => String(p.id))],
      );
      await client.query(
        `with first_open as (
           select txid, id from ${n.pending}
            where region = $1 and not acked and (txid, id) > ($2::xid8, $3::bigint)
            order by txid, id limit 1
         ), target as (
           select p.txid, p.id from ${n.pending} p
            where p.region = $1 and p.acked and (p.txid, p.id) > ($2::xid8, $3::bigint)
              and not exists (select 1 from first_open f where (f.txid, f.id) < (p.txid, p.id))
            order by p.txid desc, p.id desc limit 1
         ), moved as (
           update ${n.cursors} c
              set acked_txid = t.txid, acked_id = t.id, acked_at = now()
             from target t
            where c.region = $1
           returning c.acked_txid, c.acked_id
         )
         delete from ${n.pending}
          where region = $1
            and (txid, id) <= (select acked_txid, acked_id from moved)`,
        [this.region, String(acked.txid), String(acked.id)],
      );
    });
  }

  /**
   * Entries published at or after `sinceMs`, in the same (txid, id) order as pulls and
   * with the same rule (only rows no running transaction can still precede), so paging
   * with `after` never skips a late commit. Moves no cursor; `deliveries` is 1.
   */
  async replaySince(
    sinceMs: number,
    options: { after?: string; limit?: number } = {},
  ): Promise<TransportBatch> {
    if (!Number.isFinite(sinceMs)) throw new RangeError(`sinceMs must be a number: ${sinceMs}`);
    const limit = checkLimit(options.limit ?? 100);
    const after = options.after === undefined ? ORIGIN : parseCursor(options.after);
    await this.ensure();
    const n = this.names;
    return withClient(this.pool, async (client) => {
      const { rows } = await client.query(
        // Qualified: a bare `order by txid, id` would sort by the text aliases ("10" < "9").
        `select j.id::text as id, j.txid::text as txid, j.body,
                floor(extract(epoch from j.published_at) * 1000)::float8 as published_ms
           from ${n.journal} j
          where j.txid < pg_snapshot_xmin(pg_current_snapshot())
            and j.published_at >= to_timestamp($1::float8 / 1000)
            and (j.txid, j.id) > ($2::xid8, $3::bigint)
          order by j.txid, j.id
          limit $4::int + 1`,
        [sinceMs, String(after.txid), String(after.id), limit],
      );
      const messages = rows.slice(0, limit).map((row) => ({
        cursor: formatCursor({ txid: BigInt(text(row, "txid")), id: BigInt(text(row, "id")) }),
        body: text(row, "body"),
        publishedAt: num(row, "published_ms"),
        deliveries: 1,
      }));
      return { messages, more: rows.length > limit };
    });
  }

  /**
   * Entries published at or after `sinceMs`: one count over the `published_at` index,
   * exact but for rows still being committed (a catch-up's ETA, nothing more).
   */
  async countSince(sinceMs: number): Promise<{ count: number; exact: boolean }> {
    if (!Number.isFinite(sinceMs)) throw new RangeError(`sinceMs must be a number: ${sinceMs}`);
    await this.ensure();
    return withClient(this.pool, async (client) => {
      const { rows } = await client.query(
        `select count(*)::float8 as n from ${this.names.journal}
          where published_at >= to_timestamp($1::float8 / 1000)`,
        [sinceMs],
      );
      return { count: num(rows[0] ?? {}, "n"), exact: true };
    });
  }

  /** Never throws: an unreachable database is `reachable: false` with the error. */
  /**
   * Retention: deletes journal rows every region with a cursor has acked, except the
   * newest `retentionEvents`, at most `batch` rows per call (run it from a cron). A row
   * some region still needs is never deleted; with no cursor at all, nothing is.
   * Returns how many rows went.
   */
  async prune(batch = 10_000): Promise<number> {
    await this.ensure();
    const n = this.names;
    return withClient(this.pool, async (client) => {
      const { rowCount } = await client.query(
        `with floor as (
           select acked_txid, acked_id from ${n.cursors} order by acked_txid, acked_id limit 1
         ), cut as (
           select id from ${n.journal} order by id desc offset $1 limit 1
         )
         delete from ${n.journal} j
          where j.id in (
            select x.id from ${n.journal} x, floor f, cut c
             where (x.txid, x.id) <= (f.acked_txid, f.acked_id) and x.id <= c.id
             order by x.id limit $2
          )`,
        [this.retentionEvents, batch],
      );
      return rowCount ?? 0;
    });
  }

  /** Periodic upkeep for the gateway's cron: retention. */
  async maintain(): Promise<string> {
    return `pruned ${await this.prune()} journal rows`;
  }

  async health(): Promise<TransportHealth> {
    const started = Date.now();
    const down = (error: string): TransportHealth => ({
      backend: "postgres",
      reachable: false,
      latencyMs: Date.now() - started,
      lagEvents: 0,
      oldestUnackedAt: null,
      lastEventAt: null,
      error,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<TransportHealth>((resolve) => {
      timer = setTimeout(
        () => resolve(down(`no answer within ${this.healthTimeoutMs} ms`)),
        this.healthTimeoutMs,
      );
    });
    const probe = this.probe(started).catch((error: unknown) => {
      const message = asError(error).message || String(error);
      // A Postgres error (SQLSTATE) came from a live server: reachable, but unhealthy.
      return sqlState(error) === undefined ? down(message) : { ...down(message), reachable: true };
    });
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  private async probe(started: number): Promise<TransportHealth> {
    await this.ensure();
    const n = this.names;
    return withClient(this.pool, async (client) => {
      const { rows } = await client.query(
        `with pos as (
           select coalesce((select acked_txid from ${n.cursors} where region = $1), '0'::xid8) as txid,
                  coalesce((select acked_id from ${n.cursors} where region = $1), 0) as id
         ), unacked as (
           select e.published_at from ${n.journal} e, pos
            where (e.txid, e.id) > (pos.txid, pos.id)
              and not exists (select 1 from ${n.pending} p
                               where p.region = $1 and p.txid = e.txid and p.id = e.id and p.acked)
         )
         select (select count(*) from unacked)::float8 as lag,
                (select floor(extract(epoch from min(published_at)) * 1000) from unacked)::float8
                  as oldest_ms,
                (select floor(extract(epoch from max(published_at)) * 1000) from ${n.journal})::float8
                  as last_ms`,
        [this.region],
      );
      const row = rows[0] ?? {};
      return {
        backend: "postgres",
        reachable: true,
        latencyMs: Date.now() - started,
        lagEvents: num(row, "lag"),
        oldestUnackedAt: numOrNull(row, "oldest_ms"),
        lastEventAt: numOrNull(row, "last_ms"),
      };
    });
  }
}

/**
 * Creates this region's cursor row if needed and locks it for the transaction, so pulls
 * and acks of one region take turns. Returns the acked position.
 */
async function lockCursor(
  client: SqlClient,
  n: JournalNames,
  region: string,
  pulling: boolean,
): Promise<Position> {
  const pulledAt = pulling ? "now()" : "null";
  const { rows } = await client.query(
    `insert into ${n.cursors} as c (region, pulled_at) values ($1, ${pulledAt})
     on conflict (region) do update set pulled_at = ${pulling ? "now()" : "c.pulled_at"}
     returning acked_txid::text as txid, acked_id::text as id`,
    [region],
  );
  const row = rows[0];
  if (row === undefined) throw new Error(`cursor row for ${region} missing after upsert`);
  return { txid: BigInt(text(row, "txid")), id: BigInt(text(row, "id")) };
}

/** A positive integer, capped at `MAX_BATCH` (as the Redis transport does). */
function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a positive integer: ${limit}`);
  }
  return Math.min(limit, MAX_BATCH);
}

function nonNegative(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${what} must be >= 0: ${value}`);
  return value;
}

interface JournalRow {
  event: SyncEvent;
  body: string;
}

/** Each event checked against the v1 schema, with the exact text to store. */
function journalRows(events: readonly SyncEvent[]): JournalRow[] {
  return events.map((event, i) => {
    const parsed = parseEvent(event);
    if (!parsed.success) {
      throw new TypeError(`event ${i} is not a SyncEvent: ${describeFieldErrors(parsed.errors)}`);
    }
    return { event: parsed.data, body: JSON.stringify(event) };
  });
}

/** Inserts rows new to the journal, in order; returns their positions and the furthest. */
async function insertRows(
  client: SqlClient,
  n: JournalNames,
  rows: readonly JournalRow[],
): Promise<{ byId: Map<string, Position>; last: Position | undefined }> {
  const inserted = await client.query(
    `insert into ${n.journal}
       (event_id, namespace, origin, action, privacy, hlc, body, created_at)
     select e.event_id, e.namespace, e.origin, e.action, e.privacy, e.hlc, e.body, e.created_at
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[],
                   $6::text[], $7::text[], $8::timestamptz[])
            with ordinality as e(event_id, namespace, origin, action, privacy, hlc, body,
                                 created_at, ord)
      order by e.ord
     on conflict (event_id) do nothing
     returning id::text as id, txid::text as txid, event_id`,
    [
      rows.map((r) => r.event.id),
      rows.map((r) => r.event.namespace),
      rows.map((r) => r.event.origin),
      rows.map((r) => r.event.action),
      rows.map((r) => r.event.privacy),
      rows.map((r) => r.event.hlc),
      rows.map((r) => r.body),
      rows.map((r) => r.event.created_at),
    ],
  );
  const byId = new Map<string, Position>();
  let last: Position | undefined;
  for (const row of inserted.rows) {
    const position = positionOf(row);
    byId.set(text(row, "event_id"), position);
    if (last === undefined || comparePositions(position, last) > 0) last = position;
  }
  return { byId, last };
}

/** Adds the journal positions of events already in it to `byId`. */
async function readPositions(
  client: SqlClient,
  n: JournalNames,
  eventIds: readonly string[],
  byId: Map<string, Position>,
): Promise<void> {
  const existing = await client.query(
    `select id::text as id, txid::text as txid, event_id from ${n.journal}
      where event_id = any($1::text[])`,
    [eventIds],
  );
  for (const row of existing.rows) byId.set(text(row, "event_id"), positionOf(row));
}

function positionOf(row: Record<string, unknown>): Position {
  return { txid: BigInt(text(row, "txid")), id: BigInt(text(row, "id")) };
}
