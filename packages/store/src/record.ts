import {
  isHlcString,
  PRIVACY_MAX,
  PRIVACY_MIN,
  privacySchema,
  storableText,
  storableTime,
  TEAM_PATTERN,
} from "@memoria/sync-core";
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
  /**
   * `false`: the store's own bookkeeping. It lives and dies with the content (NULL unless
   * live, carried by events, optional in an event's payload because older regions did not
   * send it), but it is no part of the API: clients neither send nor see it.
   */
  readonly api?: false;
  /** `"C"`: compared byte by byte (an HLC), like `memories.hlc`. */
  readonly collate?: "C";
}

const between = `must be between ${PRIVACY_MIN} and ${PRIVACY_MAX}`;

/** Column name → definition; the order is the order of every derived column list. */
export const CONTENT = {
  team: {
    sql: "text",
    since: 1,
    rule: z
      .string()
      .regex(TEAM_PATTERN, { error: "must be lowercase letters, digits, '-'" })
      .nullable(),
    omitted: { default: null },
  },
  anchor: {
    sql: "text",
    since: 1,
    rule: storableText(z.string({ error: "must be a string" }).max(512)),
    omitted: { default: "" },
  },
  text: {
    sql: "text",
    since: 1,
    rule: storableText(
      z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }).max(64_000),
    ),
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
    rule: z
      .array(storableText(z.string().max(256)), { error: "must be a list of strings" })
      .max(256),
    omitted: { default: [] },
  },
  /** When the memory happened (ISO-8601); the write time when a create leaves it out. */
  timestamp: {
    sql: "timestamptz",
    since: 1,
    rule: storableTime,
    omitted: "store",
  },
  /** Time axis in days; decremented once a day (readers subtract the marks after `x_hlc`). */
  x: {
    sql: "double precision",
    since: 1,
    rule: z.number({ error: "must be a number" }).min(-1e9).max(1e9),
    omitted: { default: 0 },
  },
  /**
   * The HLC of the write that last SET x: x is a register of its own inside the record.
   * Readers subtract the day marks after it, not after the record's `hlc`, so a write that
   * leaves x alone (a text edit in a region a day's mark has not reached yet) does not
   * cancel that mark. A payload without it (an older region) set x at the event's HLC.
   */
  x_hlc: {
    sql: "text",
    since: 6,
    rule: z.string().refine(isHlcString, { error: "must be wallMs:counter:node" }),
    omitted: "store",
    api: false,
    collate: "C",
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

/** The content fields of the API (every content column but the store's own, `api: false`). */
export type FieldName = {
  [N in ContentName]: (typeof CONTENT)[N] extends { api: false } ? never : N;
}[ContentName];
export const FIELD_NAMES = CONTENT_NAMES.filter(
  (name) => (CONTENT[name] as ContentColumn).api !== false,
) as FieldName[];

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
