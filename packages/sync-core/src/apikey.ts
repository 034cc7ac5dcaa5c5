import { z } from "zod";
import { nameSchema } from "./event.js";

/**
 * API keys of the memory API: what a key may do (scopes), what one looks like on the
 * wire, and the state regions replicate about it (never the secret, only its SHA-256).
 */

/**
 * What each scope allows. They do not imply each other: a key carries every scope it
 * needs, so a leaked read key never writes. Any valid key also reads `/health/sync` and
 * `/metrics` (see the gateway's `auth/policy.ts`).
 */
export const API_SCOPES = ["read", "write", "admin"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const SCOPE_HELP: Record<ApiScope, string> = {
  read: "GET /memory, GET /memory/:id",
  write: "POST /memory, PUT /memory/:id, DELETE /memory/:id",
  admin: "/settings, /admin/* (keys, promote, dead letters), /sync/events, /sync/catch-up",
};

/** The readable start of every key: identifies ours in logs and secret scanners. */
export const API_KEY_PREFIX = "mem_";
const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/** 32 base58 characters: ~187 bits, so the stored hash cannot be inverted by guessing. */
const RANDOM_CHARS = 32;
/** How much of a key listings and logs show. */
export const DISPLAY_PREFIX_LENGTH = 10;
export const API_KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}[${BASE58}]{${RANDOM_CHARS}}$`);

/** A new secret, `mem_` + 32 base58 characters from the platform's CSPRNG. */
export function generateApiKey(): string {
  const out: string[] = [];
  // Rejection sampling: bytes >= 232 (4 × 58) are skipped so every character is equally likely.
  while (out.length < RANDOM_CHARS) {
    for (const byte of crypto.getRandomValues(new Uint8Array(RANDOM_CHARS * 2))) {
      if (byte < 232 && out.length < RANDOM_CHARS) out.push(BASE58[byte % 58] as string);
    }
  }
  return `${API_KEY_PREFIX}${out.join("")}`;
}

/** Lowercase hex SHA-256 of the key: all a region stores or replicates about a secret. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What listings and logs may show of a key: its first characters, never more. */
export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}

export const apiScopesSchema = z
  .array(z.enum(API_SCOPES, { error: `must be one of ${API_SCOPES.join(", ")}` }))
  .min(1, { error: "must name at least one scope" })
  .transform((scopes) => [...new Set(scopes)].sort() as ApiScope[]);

export const apiTeamsSchema = z
  .array(nameSchema)
  .min(1, { error: "must name at least one team (omit it for every team)" })
  .max(64)
  .transform((teams) => [...new Set(teams)].sort());

const isoUtc = z.iso.datetime({ offset: true, error: "must be an ISO-8601 time" });

/**
 * A key as regions replicate it (`apikey.upserted`, `apikey.revoked` payloads). Both
 * events carry the whole state, so either one alone is enough to know the key.
 */
export const apiKeyStateSchema = z.strictObject({
  id: z.string().min(1).max(64),
  prefix: z.string().min(1).max(DISPLAY_PREFIX_LENGTH),
  hash: z.string().regex(/^[0-9a-f]{64}$/, { error: "must be a hex SHA-256" }),
  name: z.string().max(200).nullable(),
  scopes: apiScopesSchema,
  /** Null: every team. */
  teams: apiTeamsSchema.nullable(),
  namespace: nameSchema,
  created_at: isoUtc,
  revoked_at: isoUtc.nullable(),
});
export type ApiKeyState = z.infer<typeof apiKeyStateSchema>;
