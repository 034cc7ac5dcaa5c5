import { contentColumns } from "./record.js";
import {
  addContentColumns,
  CONTENT_CHECK,
  clearContent,
  contentNullUnlessLive,
} from "./record-sql.js";
import { checkIdentifier, inTransaction, type SqlPool } from "./sql.js";

/**
 * The store's tables, all inside one schema per region, so two regions (or two tests)
 * can share a server without sharing rows. Migrations only ever append, and a shipped
 * one never changes: those that touch the record's columns derive their SQL from the
 * definition as it stood at their version (`contentColumns(version)`, from each column's
 * `since`), and `migrations.test.ts` checks the migrated table against the definition.
 * Adding a content column at version N is one entry here:
 * `{ version: N, name: "memories.<column>", sql: (s) => addContentColumns(s, N) }`.
 */
export const MIGRATIONS: ReadonlyArray<{
  version: number;
  name: string;
  sql: (s: string) => string;
}> = [
  {
    version: 1,
    name: "memories, outbox, ledger, decrements, counters, metadata, settings",
    // long-function: the first schema, as shipped; a migration's text is one unit.
    sql: (s) => `
      create table ${s}.memories (
        namespace text not null,
        id text not null,
        -- live: content present; redacted: not allowed here (y outside our band), no content;
        -- deleted: tombstone, no content.
        status text not null check (status in ('live', 'redacted', 'deleted')),
        team text,
        anchor text,
        text text,
        tokens integer,
        symbolic_anchors jsonb,
        "timestamp" timestamptz,
        -- x as written; readers subtract the decrement marks that came after hlc.
        x double precision,
        y double precision,
        z double precision,
        -- "C" collation: HLC strings are fixed-width and must compare byte by byte.
        hlc text collate "C" not null,
        origin text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (namespace, id),
        check (status = 'live' or (text is null and y is null and anchor is null and symbolic_anchors is null))
      );
      create index memories_live_by_time on ${s}.memories (namespace, "timestamp") where status = 'live';

      -- Events committed with the write that caused them; the relay publishes and marks them.
      create table ${s}.outbox (
        seq bigint generated always as identity primary key,
        event_id text not null unique,
        body text not null,
        created_at timestamptz not null default now(),
        published_at timestamptz,
        attempts integer not null default 0,
        last_error text
      );
      create index outbox_unpublished on ${s}.outbox (seq) where published_at is null;

      -- Every event id this region has processed, written in the apply transaction: the dedup key.
      create table ${s}.applied_events (
        event_id text primary key,
        origin text not null,
        action text not null,
        outcome text not null,
        applied_at timestamptz not null default now()
      );

      -- One mark per (namespace, local date); the smallest HLC wins so every region agrees.
      create table ${s}.decrements (
        namespace text not null,
        date date not null,
        hlc text collate "C" not null,
        primary key (namespace, date)
      );

      create table ${s}.counters (
        name text not null,
        labels text not null default '',
        value double precision not null default 0,
        primary key (name, labels)
      );

      create table ${s}.service_metadata (
        key text primary key,
        value jsonb not null,
        updated_at timestamptz not null default now()
      );

      create table ${s}.settings (
        key text primary key,
        value jsonb not null,
        updated_at timestamptz not null default now()
      );
    `,
  },
  {
    version: 2,
    name: "applied watermarks per origin (read-your-writes)",
    sql: (s) => `
      -- The highest HLC processed from each origin: a sync token (a write's HLC) at or
      -- below it has been applied here.
      create table ${s}.watermarks (
        origin text primary key,
        hlc text collate "C" not null,
        updated_at timestamptz not null default now()
      );
    `,
  },
  {
    version: 3,
    name: "every content column null unless live (the CHECK derived from the record definition)",
    sql: (s) => `
      -- A local delete used to keep "timestamp"; no row without content may hold any.
      update ${s}.memories set ${clearContent(contentColumns(3))} where status <> 'live';
      -- Migration 1's unnamed CHECK covered 4 of the 9 content columns.
      alter table ${s}.memories drop constraint if exists memories_check;
      alter table ${s}.memories add constraint ${CONTENT_CHECK}
        check (${contentNullUnlessLive(contentColumns(3))});
    `,
  },
  {
    version: 4,
    name: "api keys (hashes only), replicated as apikey events",
    sql: (s) => `
      -- The secret is never stored: only its SHA-256, looked up on every request.
      create table ${s}.api_keys (
        id text primary key,
        namespace text not null,
        prefix text not null,
        hash text not null unique,
        name text,
        scopes text[] not null,
        -- null: every team.
        teams text[],
        created_at timestamptz not null,
        -- Once set, never cleared: a revoked key stays revoked whatever arrives later.
        revoked_at timestamptz,
        hlc text collate "C" not null,
        origin text not null,
        -- Per region, not replicated: when this region last accepted the key.
        last_used_at timestamptz
      );
    `,
  },
  {
    version: 5,
    name: "dead letters: verified events that could not be applied",
    sql: (s) => `
      -- A verified event whose apply failed on its own (its batch applied without it). The
      -- ledger marks it 'quarantined', so the stream moves on; an operator retries or discards it.
      create table ${s}.dead_letters (
        event_id text primary key,
        origin text not null,
        action text not null,
        entity_id text not null,
        hlc text collate "C" not null,
        -- The event as JSON text, not jsonb: what jsonb refused must still be kept. Without
        -- its payload when the record lies outside this region's band.
        body text not null,
        error text not null,
        sql_state text,
        attempts integer not null default 1,
        first_seen timestamptz not null default now(),
        last_attempt_at timestamptz not null default now()
      );
      create index dead_letters_by_age on ${s}.dead_letters (first_seen, event_id);
    `,
  },
  {
    version: 6,
    name: "memories.x_hlc: x is a register of its own (the decrement commutes with updates)",
    sql: (s) => `
      ${addContentColumns(s, 6)}
      -- Until now every write set x, so x was set at the record's own HLC.
      update ${s}.memories set x_hlc = hlc where status = 'live';
    `,
  },
  {
    version: 7,
    name: "settings version: bumped by every change to settings, so isolates can cache them",
    sql: (s) => `
      create table ${s}.settings_version (
        id boolean primary key default true check (id),
        version bigint not null default 0
      );
      insert into ${s}.settings_version default values;
      -- A trigger, not the writer: whatever changes settings (a PATCH, an older gateway, an
      -- operator's SQL) moves the version in the same transaction as the change.
      create function ${s}.bump_settings_version() returns trigger language plpgsql as $$
      begin
        update ${s}.settings_version set version = version + 1;
        return null;
      end $$;
      create trigger settings_changed after insert or update or delete or truncate on ${s}.settings
        for each statement execute function ${s}.bump_settings_version();
    `,
  },
];

/**
 * Brings the schema to the latest version. Safe when several isolates start at once:
 * an advisory lock per schema serialises them and each migration runs once.
 */
export async function migrate(pool: SqlPool, schema: string): Promise<number> {
  const s = `"${checkIdentifier(schema, "schema")}"`;
  return inTransaction(pool, async (client) => {
    await client.query("select pg_advisory_xact_lock(hashtext($1))", [`memoria-store:${schema}`]);
    await client.query(`create schema if not exists ${s}`);
    await client.query(
      `create table if not exists ${s}.schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    const { rows } = await client.query(
      `select coalesce(max(version), 0) as v from ${s}.schema_migrations`,
    );
    const current = Number(rows[0]?.v ?? 0);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql(s));
      await client.query(`insert into ${s}.schema_migrations (version, name) values ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
    return MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
  });
}
