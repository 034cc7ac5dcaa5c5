import { nameSchema } from "@memoria/sync-core";
import { z } from "zod";
import {
  CONTENT,
  CONTENT_NAMES,
  type ContentColumn,
  type ContentName,
  FIELD_NAMES,
  type FieldName,
} from "./record.js";

/** The API and event schemas of a memory, derived from the record definition (`record.ts`). */

type Content = typeof CONTENT;
type Rule<N extends ContentName> = Content[N]["rule"];
/** A field's rule when a client creates a memory: defaulted, optional when the store fills it in. */
type CreateRule<N extends ContentName> = Content[N] extends { omitted: "store" }
  ? z.ZodOptional<Rule<N>>
  : Content[N] extends { omitted: { default: unknown } }
    ? z.ZodDefault<Rule<N>>
    : Rule<N>;
/**
 * A field's rule in a stored record: what the store fills in is always there, except its
 * own bookkeeping (`api: false`), which an older region's event does not carry.
 */
type SnapshotRule<N extends ContentName> = Content[N] extends { api: false }
  ? z.ZodOptional<Rule<N>>
  : Content[N] extends { omitted: "store" }
    ? Rule<N>
    : CreateRule<N>;

function createRule(column: ContentColumn): z.ZodType {
  if (column.omitted === "store") return column.rule.optional();
  if (column.omitted) return column.rule.default(column.omitted.default);
  return column.rule;
}

function shape<T>(
  rule: (column: ContentColumn) => z.ZodType,
  names: readonly ContentName[] = FIELD_NAMES,
): T {
  return Object.fromEntries(names.map((name) => [name, rule(CONTENT[name])])) as T;
}

/** Each field's API rule, without defaults (query filters reuse them too). */
export const memoryFieldRules = shape<{ [N in FieldName]: Rule<N> }>((column) => column.rule);

/** The content of a memory, as clients write it and as events carry it. */
export const memoryFieldsSchema = z.strictObject(
  shape<{ [N in FieldName]: CreateRule<N> }>(createRule),
);
export type MemoryFields = z.infer<typeof memoryFieldsSchema>;
export type MemoryFieldsInput = z.input<typeof memoryFieldsSchema>;

/** A partial update: only the fields sent, none unknown, none filled in by defaults. */
export const memoryPatchSchema = z
  .strictObject(memoryFieldRules)
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { error: "must change at least one field" });
export type MemoryPatch = z.infer<typeof memoryPatchSchema>;

/** What an event's payload holds for a live memory: the whole record after the change. */
export const memorySnapshotSchema = z.strictObject({
  ...shape<{ [N in ContentName]: SnapshotRule<N> }>((column) => {
    if (column.api === false) return column.rule.optional();
    return column.omitted === "store" ? column.rule : createRule(column);
  }, CONTENT_NAMES),
  id: z.string().min(1).max(128),
  namespace: nameSchema,
});
export type MemorySnapshot = z.infer<typeof memorySnapshotSchema>;

/** A memory as a reader sees it: x already decremented, none of the store's bookkeeping. */
export interface Memory extends Omit<MemorySnapshot, Exclude<ContentName, FieldName>> {
  hlc: string;
  origin: string;
  created_at: string;
  updated_at: string;
}

/** A row selected with `recordColumns()` (plus `effective_x` when x is to be decremented). */
export function rowToMemory(row: Record<string, unknown>): Memory {
  const content = Object.fromEntries(
    FIELD_NAMES.map((name) => [name, readColumn(name, row[name])]),
  );
  return {
    id: row.id as string,
    namespace: row.namespace as string,
    ...(content as MemoryFields & { timestamp: string }),
    x: Number(row.effective_x ?? row.x),
    hlc: row.hlc as string,
    origin: row.origin as string,
    created_at: new Date(row.created_at as string | Date).toISOString(),
    updated_at: new Date(row.updated_at as string | Date).toISOString(),
  };
}

/** A stored value as the API spells it; NULL (a column added after the row) reads as its default. */
function readColumn(name: ContentName, value: unknown): unknown {
  const column: ContentColumn = CONTENT[name];
  if (value === null || value === undefined)
    return typeof column.omitted === "object" ? structuredClone(column.omitted.default) : null;
  switch (column.sql) {
    case "integer":
    case "double precision":
      return Number(value);
    case "timestamptz":
      return new Date(value as string | Date).toISOString();
    default:
      return value;
  }
}

/** The content fields of a memory or snapshot (never its id, namespace, hlc …). */
export function contentOf(source: Memory | MemorySnapshot): MemoryFields {
  return Object.fromEntries(FIELD_NAMES.map((name) => [name, source[name]])) as MemoryFields;
}
