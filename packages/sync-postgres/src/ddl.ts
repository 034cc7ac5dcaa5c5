import { type JournalNames, journalNames } from "./names.js";
import { inTransaction, type SqlPool, sqlState, withClient } from "./sql.js";

/**
 * The statements that create the journal and its companion tables, each idempotent.
 * Names come from `journalNames`, which refused anything but plain lowercase
 * identifiers, so inlining them (quoted) is safe.
 */
// long-function: the DDL text of four tables, each commented beside its columns; splitting it would scatter one schema.
export function journalStatements(table: string | JournalNames): string[] {
  const n = typeof table === "string" ? journalNames(table) : table;
  const statements: string[] = [];
  if (n.schema !== null) {
    // Not `create schema if not exists`: that needs CREATE on the database even when the
    // schema is already there.
    statements.push(
      `do $$ begin
  if not exists (select 1 from pg_namespace where nspname = '${n.schema}') then
    create schema "${n.schema}";
  end if;
end $$`,
    );
  }
  statements.push(
    // One row per published event. `body` is the event's JSON text exactly as published,
    // so a consumer verifies the signature over what the publisher signed; the other
    // columns are copies for filtering and operations. `txid` is the writing
    // transaction: pulls read only below the oldest running transaction (README).
    `create table if not exists ${n.journal} (
  id bigint generated always as identity primary key,
  event_id text not null unique,
  namespace text not null,
  origin text not null,
  action text not null,
  privacy double precision,
  hlc text not null,
  body text not null,
  created_at timestamptz not null,
  published_at timestamptz not null default now(),
  txid xid8 not null default pg_current_xact_id()
)`,
    `create index if not exists ${n.positionIndex} on ${n.journal} (txid, id)`,
    `create index if not exists ${n.publishedIndex} on ${n.journal} (published_at, id)`,
    // A region's durable position: everything at or before (acked_txid, acked_id) is
    // applied. delivered_* is the furthest position ever handed out (information only).
    `create table if not exists ${n.cursors} (
  region text primary key,
  acked_txid xid8 not null default '0',
  acked_id bigint not null default 0,
  delivered_txid xid8 not null default '0',
  delivered_id bigint not null default 0,
  acked_at timestamptz,
  pulled_at timestamptz,
  created_at timestamptz not null default now()
)`,
    // Rows past a region's cursor that were handed out: how often, when last, and
    // whether acked (an ack out of order waits here until the rows before it are acked).
    `create table if not exists ${n.pending} (
  region text not null,
  txid xid8 not null,
  id bigint not null,
  deliveries integer not null default 1,
  delivered_at timestamptz not null default now(),
  acked boolean not null default false,
  primary key (region, txid, id)
)`,
    // One row per lease name. The row is never deleted (a release only expires it), so
    // the fencing token survives and only grows.
    `create table if not exists ${n.leases} (
  name text primary key,
  holder text not null,
  token bigint not null,
  expires_at timestamptz not null,
  acquired_at timestamptz not null default now()
)`,
  );
  return statements;
}

/**
 * The journal DDL as one script (statements separated by `;`), e.g. for local-services'
 * `postgresLogicalReplica: { schemaSql: journalDdl(table), tables: [table] }`. Every
 * statement is idempotent. `ensureJournal` runs the same statements under a lock.
 */
export function journalDdl(table: string): string {
  return `${journalStatements(table).join(";\n")};\n`;
}

/** SQLSTATEs of a concurrent creator that got there first (duplicate schema/table/type). */
const RACE_STATES = new Set(["42P06", "42P07", "42710", "23505"]);

/**
 * Creates the journal, cursor, pending and lease tables when any is missing. Safe under
 * concurrent first use: creators serialize on a transaction-scoped advisory lock, and a
 * creator outside this package that races us only costs one retry. When everything
 * exists it costs one read-only round trip and takes no lock.
 */
export async function ensureJournal(pool: SqlPool, table: string | JournalNames): Promise<void> {
  const n = typeof table === "string" ? journalNames(table) : table;
  if (await journalExists(pool, n)) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await inTransaction(pool, async (client) => {
        await client.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [n.lockKey]);
        for (const statement of journalStatements(n)) await client.query(statement);
      });
      return;
    } catch (error) {
      const state = sqlState(error);
      if (attempt >= 3 || state === undefined || !RACE_STATES.has(state)) throw error;
    }
  }
}

/** True when all four tables exist (they are created in one transaction). */
export async function journalExists(pool: SqlPool, table: string | JournalNames): Promise<boolean> {
  const n = typeof table === "string" ? journalNames(table) : table;
  return withClient(pool, async (client) => {
    const { rows } = await client.query(
      `select (to_regclass($1) is not null and to_regclass($2) is not null
           and to_regclass($3) is not null and to_regclass($4) is not null) as ready`,
      [n.regclass.journal, n.regclass.cursors, n.regclass.pending, n.regclass.leases],
    );
    return rows[0]?.ready === true;
  });
}
