import { STATUS_RANK } from "@memoria/sync-core";
import type { StoreContext } from "./context.js";
import {
  CONTENT,
  CONTENT_NAMES,
  type ContentColumn,
  type ContentName,
  contentColumns,
} from "./record.js";
import type { SqlClient } from "./sql.js";
import type { SqlParams } from "./statement.js";

/**
 * The SQL of the memory record, derived from `record.ts`: column lists, the clear-content
 * list, the content CHECK, and the one statement every path writes records with (a local
 * create, update or delete, and a peer's batch), so the local and the replicated path
 * cannot store a record differently.
 */

const quote = (name: string) => `"${name}"`;
/** A content column's SQL type as `create table` and `jsonb_to_recordset` spell it. */
const sqlType = (name: ContentName) => {
  const column: ContentColumn = CONTENT[name];
  return column.collate ? `${column.sql} collate "${column.collate}"` : column.sql;
};

/** The name of the CHECK that keeps content NULL unless a record is live (migration 3 on). */
export const CONTENT_CHECK = "memories_content_null_unless_live";

/** The CHECK's condition over `columns` (every content column by default). */
export function contentNullUnlessLive(columns: readonly ContentName[] = CONTENT_NAMES): string {
  return `status = 'live' or (${columns.map((name) => `${quote(name)} is null`).join(" and ")})`;
}

/** `"team" = null, …`: what every path that leaves a record without content sets. */
export function clearContent(columns: readonly ContentName[] = CONTENT_NAMES): string {
  return columns.map((name) => `${quote(name)} = null`).join(", ");
}

/** The columns `rowToMemory` reads, optionally qualified by a table alias. */
export function recordColumns(alias?: string): string {
  const column = (name: string) => (alias ? `${alias}.${quote(name)}` : quote(name));
  return [
    "namespace",
    "id",
    "status",
    ...CONTENT_NAMES,
    "hlc",
    "origin",
    "created_at",
    "updated_at",
  ]
    .map(column)
    .join(", ");
}

/** Adds the content columns introduced at `version` and widens the CHECK to them. */
export function addContentColumns(s: string, version: number): string {
  const added = CONTENT_NAMES.filter((name) => CONTENT[name].since === version);
  return `
    ${added.map((name) => `alter table ${s}.memories add column ${quote(name)} ${sqlType(name)};`).join("\n")}
    alter table ${s}.memories drop constraint ${CONTENT_CHECK};
    alter table ${s}.memories add constraint ${CONTENT_CHECK} check (${contentNullUnlessLive(contentColumns(version))});`;
}

/**
 * One record as the upsert takes it: its key and state, and its content when live
 * (without content every content column is written NULL).
 */
export interface RecordRow {
  namespace: string;
  id: string;
  status: "live" | "redacted" | "deleted";
  hlc: string;
  origin: string;
  /** A snapshot, payload or memory: only its content fields are written. */
  content?: Readonly<Record<string, unknown>>;
}

const WRITTEN = ["namespace", "id", "status", ...CONTENT_NAMES, "hlc", "origin"];
const RECORDSET_TYPES = [
  "namespace text",
  "id text",
  "status text",
  ...CONTENT_NAMES.map((name) => `${quote(name)} ${sqlType(name)}`),
  "hlc text",
  "origin text",
].join(", ");
const UPSERT = (s: string, json: string) => `
  insert into ${s}.memories (${WRITTEN.map(quote).join(", ")})
  select ${WRITTEN.map((name) => `r.${quote(name)}`).join(", ")}
  from jsonb_to_recordset(${json}::jsonb) as r(${RECORDSET_TYPES})
  on conflict (namespace, id) do update set
    ${WRITTEN.slice(2)
      .map((name) => `${quote(name)} = excluded.${quote(name)}`)
      .join(", ")}, updated_at = now()`;

/**
 * Writes records whatever state they were in (none, live, redacted, deleted); returns the
 * rows as stored. The caller holds the rows' locks and decided each is the winner.
 */
export async function upsertRecords(
  client: SqlClient,
  ctx: StoreContext,
  records: readonly RecordRow[],
): Promise<Array<Record<string, unknown>>> {
  if (records.length === 0) return [];
  const { rows: stored } = await client.query(
    `${UPSERT(ctx.s, "$1")} returning ${recordColumns()}`,
    [recordsJson(records)],
  );
  return stored as Array<Record<string, unknown>>;
}

/**
 * The same upsert as one part of a larger statement (`writeTogether`), returning nothing;
 * `undefined` when there is nothing to write.
 */
export function recordUpsert(
  s: string,
  records: readonly RecordRow[],
  params: SqlParams,
): string | undefined {
  if (records.length === 0) return undefined;
  // A peer's write lands only over a state the merge ranks below it (status rank, then
  // HLC). The merge decided on the rows the claim locked, but a record that did not exist
  // yet had no row to lock: a concurrent apply (the live consumer and a catch-up) may have
  // inserted it since, and it may be the winner.
  return `${UPSERT(s, params.add(recordsJson(records)))}
    where (${statusRank("excluded.status")}, excluded.hlc)
      >= (${statusRank(`${s}.memories.status`)}, ${s}.memories.hlc)`;
}

/** `mergeRecord`'s status rank in SQL, from the one table sync-core keeps. */
function statusRank(column: string): string {
  const cases = Object.entries(STATUS_RANK).map(
    ([status, rank]) => `when '${status}' then ${rank}`,
  );
  return `(case ${column} ${cases.join(" ")} end)`;
}

function recordsJson(records: readonly RecordRow[]): string {
  return JSON.stringify(records.map(storedForm));
}

/** A record as the upsert's recordset reads it: its state, and its content when live. */
function storedForm({ content, ...state }: RecordRow): Record<string, unknown> {
  return state.status === "live" && content
    ? { ...liveContent(content, state.hlc), ...state }
    : state;
}

/**
 * A live record's content as stored. Without `x_hlc` (an event from a region that predates
 * it) x was set by the write itself, at the record's HLC.
 */
function liveContent(content: Readonly<Record<string, unknown>>, hlc: string) {
  const picked = pickContent(content);
  return { ...picked, x_hlc: picked.x_hlc ?? hlc };
}

/** Only the content fields of a snapshot, payload or memory (never its id, hlc, …). */
export function pickContent(
  source: Readonly<Record<string, unknown>>,
): Record<ContentName, unknown> {
  return Object.fromEntries(CONTENT_NAMES.map((name) => [name, source[name] ?? null])) as Record<
    ContentName,
    unknown
  >;
}
