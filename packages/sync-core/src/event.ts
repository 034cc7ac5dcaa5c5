import { z } from "zod";
import { isEventId } from "./event-id.js";
import { isHlcString } from "./hlc.js";
import { type FieldError, fieldErrors } from "./problem.js";
import { storableText, unstorableText } from "./storable.js";

export const SYNC_ACTIONS = [
  "memory.created",
  "memory.updated",
  "memory.deleted",
  "memory.redacted",
  "thread.updated",
  "schedule.decrement",
  "apikey.upserted",
  "apikey.revoked",
] as const;
export type SyncAction = (typeof SYNC_ACTIONS)[number];

export const ENTITY_TYPES = ["memory", "thread", "schedule", "apikey"] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** Which entity type each action is about; an event pairing them otherwise is malformed. */
export const ACTION_ENTITY: Record<SyncAction, EntityType> = {
  "memory.created": "memory",
  "memory.updated": "memory",
  "memory.deleted": "memory",
  "memory.redacted": "memory",
  "thread.updated": "thread",
  "schedule.decrement": "schedule",
  // API keys travel as events so a key made or revoked in one region holds in every region.
  "apikey.upserted": "apikey",
  "apikey.revoked": "apikey",
};

export const PRIVACY_MIN = -15;
export const PRIVACY_MAX = 15;

/** The privacy axis y: -15 (private) … +15 (public). */
export const privacySchema = z
  .number({ error: "must be a number" })
  .min(PRIVACY_MIN, { error: `must be between ${PRIVACY_MIN} and ${PRIVACY_MAX}` })
  .max(PRIVACY_MAX, { error: `must be between ${PRIVACY_MIN} and ${PRIVACY_MAX}` });

/** Namespaces and region ids share one conservative alphabet: safe in keys, URLs and SQL literals. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const nameSchema = z.string({ error: "must be a string" }).regex(NAME_PATTERN, {
  error: "must be 1-128 characters of letters, digits, . _ : - (not starting with a symbol)",
});

/**
 * An event's namespace is its record's space (`spaceOf`): the deployment's namespace, or
 * `<namespace>:<prefix>-<team>`, so it may be longer than a namespace alone.
 */
export const SPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$/;
const spaceSchema = z.string({ error: "must be a string" }).regex(SPACE_PATTERN, {
  error: "must be 1-255 characters of letters, digits, . _ : - (not starting with a symbol)",
});

export const REGION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const regionIdSchema = z
  .string({ error: "must be a string" })
  .regex(REGION_ID_PATTERN, { error: "must be 1-63 lowercase letters, digits or '-'" });

const isoUtcSchema = z.iso.datetime({ offset: false, error: "must be an ISO-8601 UTC time (…Z)" });

/** Signature form `<keyId>.<base64url HMAC-SHA256>`; the key id lets keys rotate. */
export const SIGNATURE_PATTERN = /^([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{43})$/;

/** The one sealing scheme (`transit/seal.ts`): ECDH-ES P-256 key agreement, AES-KW wraps, AES-256-GCM content. */
export const SEAL_ALGORITHM = "ECDH-ES+A256KW/A256GCM";

/** Actions whose payload is record content: the ones sealed in transit. */
export const CONTENT_ACTIONS: ReadonlySet<SyncAction> = new Set([
  "memory.created",
  "memory.updated",
  "thread.updated",
]);

const b64url = (min: number, max: number, what: string) =>
  z
    .string({ error: "must be a string" })
    .min(min, { error: `must be ${what}` })
    .max(max, { error: `must be ${what}` })
    .regex(/^[A-Za-z0-9_-]+$/, { error: "must be base64url" });

/** A sealed payload: only the regions named in `to` can open it (DESIGN note in docs/architecture.md §3). */
export const sealedSchema = z.strictObject({
  alg: z.literal(SEAL_ALGORITHM, { error: `must be ${SEAL_ALGORITHM}` }),
  /** The sender's one-time P-256 public key, uncompressed (65 bytes). */
  epk: b64url(87, 87, "65 bytes (a P-256 point)"),
  /** AES-GCM nonce, 12 bytes. */
  iv: b64url(16, 16, "12 bytes"),
  /** The payload's canonical JSON, encrypted, with its 16-byte tag. */
  ct: b64url(22, 12_000_000, "a ciphertext with its tag"),
  /** Region id → `<keyId>.<the data key wrapped for that region's key>` (40 bytes). */
  to: z
    .record(
      regionIdSchema,
      z.string({ error: "must be a string" }).regex(/^[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]{54}$/, {
        error: "must be <keyId>.<base64url 40-byte wrapped key>",
      }),
      { error: "must be an object of region id → wrapped key" },
    )
    .refine((to) => Object.keys(to).length > 0, { error: "must name at least one region" }),
});
export type SealedContent = z.infer<typeof sealedSchema>;

export const syncEventSchema = z
  .strictObject({
    v: z.literal(1, { error: "must be 1 (the event contract version)" }),
    id: z
      .string({ error: "must be a string" })
      .refine(isEventId, { error: "must be a UUIDv7 or a ULID" }),
    action: z.enum(SYNC_ACTIONS, { error: `must be one of ${SYNC_ACTIONS.join(", ")}` }),
    entity_type: z.enum(ENTITY_TYPES, { error: `must be one of ${ENTITY_TYPES.join(", ")}` }),
    entity_id: storableText(
      z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }).max(256),
    ),
    namespace: spaceSchema,
    origin: regionIdSchema,
    hlc: z
      .string({ error: "must be a string" })
      .refine(isHlcString, { error: "must be wallMs:counter:node" }),
    privacy: privacySchema.nullable(),
    created_at: isoUtcSchema,
    payload: z.record(z.string(), z.unknown(), { error: "must be an object" }).optional(),
    sealed: sealedSchema.optional(),
    sig: z
      .string({ error: "must be a string" })
      .regex(SIGNATURE_PATTERN, { error: "must be <keyId>.<base64url HMAC>" })
      .optional(),
  })
  .superRefine((event, ctx) => {
    if (ACTION_ENTITY[event.action] !== event.entity_type) {
      ctx.addIssue({
        code: "custom",
        path: ["entity_type"],
        message: `must be "${ACTION_ENTITY[event.action]}" for action ${event.action}`,
      });
    }
    // What a peer sends is held to the store's rule too: a payload the store cannot hold
    // is refused here, named, instead of failing inside the apply transaction.
    for (const issue of unstorableText(event.payload))
      ctx.addIssue({ code: "custom", path: ["payload", ...issue.path], message: issue.message });
    if (event.sealed !== undefined && event.payload !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["sealed"],
        message: "must not come with a clear payload",
      });
    if (event.sealed !== undefined && !CONTENT_ACTIONS.has(event.action))
      ctx.addIssue({
        code: "custom",
        path: ["sealed"],
        message: `must be absent on ${event.action} (only record content is sealed)`,
      });
    // A redaction tells the peer to forget; it must not carry the content it removes.
    if (event.action === "memory.redacted" && event.payload !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["payload"],
        message: "must be absent on memory.redacted",
      });
    }
  });

/** SyncEvent v1 — the one wire format between regions (DESIGN.md §3). */
export type SyncEvent = z.infer<typeof syncEventSchema>;
/** An event before it is signed. */
export type UnsignedSyncEvent = Omit<SyncEvent, "sig">;

export type ParseResult<T> = { success: true; data: T } | { success: false; errors: FieldError[] };

/** JSON text decoded, or a value passed through; a syntax error reported at the root. */
export function decodeJsonInput(input: unknown): ParseResult<unknown> {
  if (typeof input !== "string") return { success: true, data: input };
  try {
    return { success: true, data: JSON.parse(input) };
  } catch (error) {
    return {
      success: false,
      errors: [{ field: "(root)", message: `not JSON: ${(error as Error).message}` }],
    };
  }
}

/** Parses JSON text or an already-decoded value; errors name each bad field. */
export function parseEvent(input: unknown): ParseResult<SyncEvent> {
  const decoded = decodeJsonInput(input);
  if (!decoded.success) return decoded;
  const result = syncEventSchema.safeParse(decoded.data);
  return result.success
    ? { success: true, data: result.data }
    : { success: false, errors: fieldErrors(result.error) };
}
