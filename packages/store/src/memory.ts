import { nameSchema, PRIVACY_MAX, PRIVACY_MIN, privacySchema } from "@memoria/sync-core";
import { z } from "zod";

const between = `must be between ${PRIVACY_MIN} and ${PRIVACY_MAX}`;
const axis = z
  .number({ error: "must be a number" })
  .min(PRIVACY_MIN, { error: between })
  .max(PRIVACY_MAX, { error: between });

/** Each field's rule, without defaults: a patch must never fill in what it did not send. */
const fieldRules = {
  anchor: z.string({ error: "must be a string" }).max(512),
  text: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }).max(64_000),
  tokens: z
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(0, { error: "must be >= 0" })
    .max(1_000_000),
  /** When the memory happened (ISO-8601); defaults to the write time. */
  timestamp: z.iso.datetime({ offset: true, error: "must be an ISO-8601 time" }),
  /** Time axis in days; decremented once a day. */
  x: z.number({ error: "must be a number" }).min(-1e9).max(1e9),
  /** Privacy axis: -15 private … +15 public. */
  y: privacySchema,
  z: axis,
  symbolic_anchors: z.array(z.string().max(256), { error: "must be a list of strings" }).max(256),
  team: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: "must be lowercase letters, digits, '-'" })
    .nullable(),
};

/** The content of a memory, as clients write it and as events carry it. */
export const memoryFieldsSchema = z.strictObject({
  ...fieldRules,
  anchor: fieldRules.anchor.default(""),
  tokens: fieldRules.tokens.default(0),
  timestamp: fieldRules.timestamp.optional(),
  x: fieldRules.x.default(0),
  z: fieldRules.z.default(0),
  symbolic_anchors: fieldRules.symbolic_anchors.default([]),
  team: fieldRules.team.default(null),
});
export type MemoryFields = z.infer<typeof memoryFieldsSchema>;
export type MemoryFieldsInput = z.input<typeof memoryFieldsSchema>;

/** A partial update: only the fields sent, none unknown, none filled in by defaults. */
export const memoryPatchSchema = z
  .strictObject(fieldRules)
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { error: "must change at least one field" });
export type MemoryPatch = z.infer<typeof memoryPatchSchema>;

/** What an event's payload holds for a live memory: the whole record after the change. */
export const memorySnapshotSchema = memoryFieldsSchema.extend({
  id: z.string().min(1).max(128),
  namespace: nameSchema,
  timestamp: z.iso.datetime({ offset: true }),
});
export type MemorySnapshot = z.infer<typeof memorySnapshotSchema>;

/** A memory as a reader sees it: x already decremented. */
export interface Memory extends MemorySnapshot {
  hlc: string;
  origin: string;
  created_at: string;
  updated_at: string;
}

export function rowToMemory(row: Record<string, unknown>): Memory {
  return {
    id: row.id as string,
    namespace: row.namespace as string,
    team: (row.team as string | null) ?? null,
    anchor: (row.anchor as string | null) ?? "",
    text: row.text as string,
    tokens: Number(row.tokens ?? 0),
    timestamp: new Date(row.timestamp as string | Date).toISOString(),
    x: Number(row.effective_x ?? row.x),
    y: Number(row.y),
    z: Number(row.z ?? 0),
    symbolic_anchors: (row.symbolic_anchors as string[] | null) ?? [],
    hlc: row.hlc as string,
    origin: row.origin as string,
    created_at: new Date(row.created_at as string | Date).toISOString(),
    updated_at: new Date(row.updated_at as string | Date).toISOString(),
  };
}
