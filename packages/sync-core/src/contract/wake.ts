import { z } from "zod";
import { regionIdSchema } from "../event.js";
import { fieldErrors, ProblemError } from "../problem.js";
import { type Keyring, signBytes, verifyBytes } from "../signing.js";

/**
 * A wake-up hint: a region tells its peers "I just published" so they poll now rather
 * than at their next backoff step. It carries no data (a lost one only delays a peer
 * until its own poll), but it is signed with the events' keyring so only a peer can
 * make a region spend a poll. Wire format: the JSON body, and `<keyId>.<base64url
 * HMAC-SHA256 of the body bytes>` in WAKE_SIGNATURE_HEADER.
 */
export const wakeHintSchema = z.strictObject({ from: regionIdSchema, at: z.number().int() });
export type WakeHint = z.infer<typeof wakeHintSchema>;

/** A hint older (or further ahead) than this is refused: replaying one must not be free. */
export const WAKE_MAX_AGE_MS = 60_000;

export interface SignedWakeHint {
  body: string;
  signature: string;
}

export async function signWakeHint(hint: WakeHint, keyring: Keyring): Promise<SignedWakeHint> {
  const body = JSON.stringify(wakeHintSchema.parse(hint));
  return { body, signature: await signBytes(new TextEncoder().encode(body), keyring) };
}

/**
 * The hint in a request, checked: signed by a key of `keyring` (else 401), JSON of the
 * hint's shape (else 400), and recent (else 400). Throws a ProblemError naming why.
 */
export async function openWakeHint(
  body: string,
  signature: string | null | undefined,
  keyring: Keyring | null,
  now: number = Date.now(),
): Promise<WakeHint> {
  const verdict = keyring
    ? await verifyBytes(new TextEncoder().encode(body), signature, keyring)
    : ({ ok: false, reason: "unknown-key" } as const);
  if (!verdict.ok) {
    throw new ProblemError(401, {
      detail: `wake-up hint without a valid signature (${verdict.reason})`,
    });
  }
  const parsed = wakeHintSchema.safeParse(parseJson(body));
  if (!parsed.success) {
    throw new ProblemError(400, {
      detail: "wake-up hint is malformed",
      errors: fieldErrors(parsed.error),
    });
  }
  if (Math.abs(now - parsed.data.at) > WAKE_MAX_AGE_MS) {
    throw new ProblemError(400, { detail: "wake-up hint is stale" });
  }
  return parsed.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
