import { z } from "zod";
import { canonicalJson } from "./canonical-json.js";
import {
  ACTION_ENTITY,
  decodeJsonInput,
  type ParseResult,
  SYNC_ACTIONS,
  type SyncEvent,
  syncEventSchema,
} from "./event.js";
import { deterministicEventId } from "./event-id.js";
import { formatHlc } from "./hlc.js";
import { fieldErrors } from "./problem.js";

/**
 * The Python original's event (`memoria/sync/base.py` `SyncEvent.to_dict`): no id, no
 * clock, no signature, privacy buried in the payload.
 */
export const legacyEventSchema = z.object({
  action: z.enum(SYNC_ACTIONS, { error: `must be one of ${SYNC_ACTIONS.join(", ")}` }),
  entity_type: z.string({ error: "must be a string" }),
  namespace: z.string({ error: "must be a string" }),
  entity_id: z.union([z.string(), z.number()]).nullish(),
  payload: z.record(z.string(), z.unknown()).nullish(),
  origin: z.string().nullish(),
  created_at: z.string({ error: "must be an ISO-8601 time" }),
});
export type LegacySyncEvent = z.infer<typeof legacyEventSchema>;

/** Region id used when a legacy event names no (valid) origin. */
export const LEGACY_ORIGIN = "legacy";

/**
 * Where the Python original kept y, in the order we trust them: an explicit privacy,
 * the created snapshot, the replica record, the changed fields.
 */
const PRIVACY_PATHS: ReadonlyArray<ReadonlyArray<string>> = [
  ["privacy"],
  ["snapshot", "y_coord"],
  ["replica", "record", "y_coord"],
  ["changes", "y_coord"],
];

export function legacyPrivacy(payload: Record<string, unknown> | null | undefined): number | null {
  if (!payload) return null;
  for (const path of PRIVACY_PATHS) {
    let node: unknown = payload;
    for (const key of path) {
      node =
        node !== null && typeof node === "object"
          ? (node as Record<string, unknown>)[key]
          : undefined;
    }
    const y = typeof node === "string" && node.trim() !== "" ? Number(node) : node;
    if (typeof y === "number" && Number.isFinite(y)) return y;
  }
  return null;
}

/**
 * Converts a Python-original event to SyncEvent v1. Unsigned: the caller signs it if it
 * is to travel further. The id is derived from the event's content, so the same legacy
 * event delivered twice converts to the same id and deduplicates.
 */
export function fromLegacy(input: unknown): ParseResult<SyncEvent> {
  const decoded = decodeJsonInput(input);
  if (!decoded.success) return decoded;
  const legacy = legacyEventSchema.safeParse(decoded.data);
  if (!legacy.success) return { success: false, errors: fieldErrors(legacy.error) };
  const event = legacy.data;

  // Python writes isoformat(): "+00:00" or no zone at all (naive means UTC there too).
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(event.created_at);
  const createdMs = Date.parse(hasZone ? event.created_at : `${event.created_at}Z`);
  if (Number.isNaN(createdMs)) {
    return {
      success: false,
      errors: [{ field: "created_at", message: "must be an ISO-8601 time" }],
    };
  }
  const origin =
    event.origin && /^[a-z0-9][a-z0-9-]{0,62}$/.test(event.origin) ? event.origin : LEGACY_ORIGIN;
  const payload = event.payload ?? undefined;
  const entityId =
    event.entity_id !== null && event.entity_id !== undefined
      ? String(event.entity_id)
      : `${ACTION_ENTITY[event.action]}:${event.namespace}:${createdMs}`;

  const candidate = {
    v: 1,
    id: deterministicEventId(createdMs, canonicalJson(event)),
    action: event.action,
    entity_type: event.entity_type,
    entity_id: entityId,
    namespace: event.namespace,
    origin,
    hlc: formatHlc({ wall: createdMs, counter: 0, node: origin }),
    privacy: legacyPrivacy(payload),
    created_at: new Date(createdMs).toISOString(),
    ...(payload && Object.keys(payload).length > 0 && event.action !== "memory.redacted"
      ? { payload }
      : {}),
  };
  const result = syncEventSchema.safeParse(candidate);
  return result.success
    ? { success: true, data: result.data }
    : { success: false, errors: fieldErrors(result.error) };
}
