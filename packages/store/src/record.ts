import { PRIVACY_MAX, PRIVACY_MIN, privacySchema } from "@memoria/sync-core";
import { z } from "zod";

/**
 * The memory record, defined once. Every SQL column list, the "no content unless live"
 * CHECK, the API schemas, the event payload schema and `rowToMemory` are derived from
 * `CONTENT` below (see `record-sql.ts` and `memory.ts`), so adding a field is: one entry
 * here, one migration that calls `addContentColumns(version)`, and tests.
 *
 * Content is what a record says; it exists only while the record is `live`. Every path
 * that leaves a record without content (a delete, a redaction here or from a peer) sets
 * every content column to NULL.
 */

/** The SQL types a content column may have, as `create table` spells them. */
export type SqlType = "text" | "integer" | "double precision" | "timestamptz" | "jsonb";

export interface ContentColumn<Rule extends z.ZodType = z.ZodType> {
  readonly sql: SqlType;
  /**
   * The migration version that added the column. Migrations derive from the columns that
   * existed at their version, so a shipped migration's SQL never changes.
   */
  readonly since: number;
  /** The API's rule for the field, without defaults: a patch must never fill in what it did not send. */
  readonly rule: Rule;
  /** What a create leaves out: its default, or `"store"` when the store fills it in. Absent: required. */
  readonly omitted?: { default: z.output<Rule> } | "store";
}

const between = `must be between ${PRIVACY_MIN} and ${PRIVACY_MAX}`;

/** Column name → definition; the order is the order of every derived column list. */
export const CONTENT = {
  team: {
    sql: "text",
    since: 1,
    rule: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: "must be lowercase letters, digits, '-'" })
      .nullable(),
    omitted: { default: null },
  },
  anchor: {
    sql: "text",
    since: 1,
    rule: z.string({ error: "must be a string" }).max(512),
    omitted: { default: "" },
  },
  text: {
    sql: "text",
    since: 1,
    rule: z
      .string({ error: "must be a string" })
      .min(1, { error: "must not be empty" })
      .max(64_000),
  },
  tokens: {
    sql: "integer",
    since: 1,
    rule: z
      .number({ error: "must be a number" })
      .int({ error: "must be a whole number" })
      .min(0, { error: "must be >= 0" })
      .max(1_000_000),
    omitted: { default: 0 },
  },
  symbolic_anchors: {
    sql: "jsonb",
    since: 1,
    rule: z.array(z.string().max(256), { error: "must be a list of strings" }).max(256),
    omitted: { default: [] },
  },
  /** When the memory happened (ISO-8601); the write time when a create leaves it out. */
  timestamp: {
    sql: "timestamptz",
    since: 1,
    rule: z.iso.datetime({ offset: true, error: "must be an ISO-8601 time" }),
    omitted: "store",
  },
  /** Time axis in days; decremented once a day (readers subtract the marks after the write). */
  x: {
    sql: "double precision",
    since: 1,
    rule: z.number({ error: "must be a number" }).min(-1e9).max(1e9),
    omitted: { default: 0 },
  },
  /** Privacy axis: -15 private … +15 public. */
  y: { sql: "double precision", since: 1, rule: privacySchema },
  z: {
    sql: "double precision",
    since: 1,
    rule: z
      .number({ error: "must be a number" })
      .min(PRIVACY_MIN, { error: between })
      .max(PRIVACY_MAX, { error: between }),
    omitted: { default: 0 },
  },
} as const satisfies Record<string, ContentColumn>;

export type ContentName = keyof typeof CONTENT;
export const CONTENT_NAMES = Object.keys(CONTENT) as ContentName[];

/**
 * Every column of `memories` with its SQL type once migration `version` has run: the key,
 * the record's state (`status`, and the `hlc`/`origin` of the write that produced it),
 * the content, and bookkeeping times.
 */
export function tableColumns(version = Number.POSITIVE_INFINITY): Array<[string, SqlType]> {
  return [
    ["namespace", "text"],
    ["id", "text"],
    ["status", "text"],
    ...contentColumns(version).map((name): [string, SqlType] => [name, CONTENT[name].sql]),
    ["hlc", "text"],
    ["origin", "text"],
    ["created_at", "timestamptz"],
    ["updated_at", "timestamptz"],
  ];
}

/** The content columns that exist once migration `version` has run (all of them by default). */
export function contentColumns(version = Number.POSITIVE_INFINITY): ContentName[] {
  return CONTENT_NAMES.filter((name) => CONTENT[name].since <= version);
}
