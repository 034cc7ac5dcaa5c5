import { NAME_PATTERN, REGION_ID_PATTERN, TABLE_PATTERN } from "@memoria/sync-core";

/** Suffixes of the objects derived from the journal table's name. */
const SUFFIXES = {
  cursors: "_cursors",
  pending: "_pending",
  leases: "_leases",
  positionIndex: "_pos_idx",
  publishedIndex: "_pub_idx",
} as const;

/** Postgres truncates identifiers past 63 bytes; a derived name must never be truncated. */
const MAX_IDENTIFIER = 63;
const LONGEST_SUFFIX = Math.max(...Object.values(SUFFIXES).map((s) => s.length));
/** Longest journal table name (the part after the schema) this package accepts. */
export const MAX_TABLE_NAME = MAX_IDENTIFIER - LONGEST_SUFFIX;

/** The same rule as `sync.channel` in sync-core's config schema. */
const CHANNEL_PATTERN = /^[A-Za-z0-9_.:-]{1,63}$/;

/** Every quoted name the SQL uses, derived once from `sync.table`. */
export interface JournalNames {
  /** As configured: `memoria_sync_events` or `infra.memoria_sync_events`. */
  table: string;
  /** Schema when qualified, else `null` (the search_path decides). */
  schema: string | null;
  /** Unquoted table name without schema. */
  name: string;
  /** Quoted, ready for SQL: `"infra"."memoria_sync_events"`. */
  journal: string;
  cursors: string;
  pending: string;
  leases: string;
  /** Index names are never schema-qualified in CREATE INDEX. */
  positionIndex: string;
  publishedIndex: string;
  /** The same names as text for `to_regclass`. */
  regclass: { journal: string; cursors: string; pending: string; leases: string };
  /** Key of the advisory lock that serializes creating these objects. */
  lockKey: string;
}

/**
 * Validates `sync.table` with sync-core's `TABLE_PATTERN` (plain lowercase identifiers,
 * optionally schema-qualified) and derives every name from it. Throws `RangeError`
 * before any SQL is built when the name is not acceptable.
 */
export function journalNames(table: string): JournalNames {
  if (typeof table !== "string" || !TABLE_PATTERN.test(table)) {
    throw new RangeError(
      `sync.table must be table or schema.table (lowercase letters, digits, _): ${JSON.stringify(table)}`,
    );
  }
  const dot = table.indexOf(".");
  const schema = dot === -1 ? null : table.slice(0, dot);
  const name = dot === -1 ? table : table.slice(dot + 1);
  if (name.length > MAX_TABLE_NAME) {
    throw new RangeError(
      `sync.table: the table name must be at most ${MAX_TABLE_NAME} characters so that ` +
        `${name}${SUFFIXES.cursors} and the other derived names fit Postgres' 63: ${JSON.stringify(table)}`,
    );
  }
  const quote = (identifier: string) =>
    schema === null ? `"${identifier}"` : `"${schema}"."${identifier}"`;
  return {
    table,
    schema,
    name,
    journal: quote(name),
    cursors: quote(name + SUFFIXES.cursors),
    pending: quote(name + SUFFIXES.pending),
    leases: quote(name + SUFFIXES.leases),
    positionIndex: `"${name}${SUFFIXES.positionIndex}"`,
    publishedIndex: `"${name}${SUFFIXES.publishedIndex}"`,
    regclass: {
      journal: quote(name),
      cursors: quote(name + SUFFIXES.cursors),
      pending: quote(name + SUFFIXES.pending),
      leases: quote(name + SUFFIXES.leases),
    },
    lockKey: `memoria-sync-postgres:${table}`,
  };
}

/** Validates `sync.channel` (the NOTIFY channel): quoted, it is a safe LISTEN target. */
export function checkChannel(channel: string): string {
  if (typeof channel !== "string" || !CHANNEL_PATTERN.test(channel)) {
    throw new RangeError(
      `sync.channel must be 1-63 letters, digits, _ . : -: ${JSON.stringify(channel)}`,
    );
  }
  return channel;
}

/** A region id as the cursor table's key (sync-core's `REGION_ID_PATTERN`). */
export function checkRegion(region: string): string {
  if (typeof region !== "string" || !REGION_ID_PATTERN.test(region)) {
    throw new RangeError(
      `region must be 1-63 lowercase letters, digits or '-': ${JSON.stringify(region)}`,
    );
  }
  return region;
}

/** A lease name or holder (sync-core's `NAME_PATTERN`). */
export function checkName(value: string, what: string): string {
  if (typeof value !== "string" || !NAME_PATTERN.test(value)) {
    throw new RangeError(
      `${what} must be 1-128 letters, digits, . _ : - (not starting with a symbol): ${JSON.stringify(value)}`,
    );
  }
  return value;
}
