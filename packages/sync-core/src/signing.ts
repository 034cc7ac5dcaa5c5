import { canonicalJson } from "./canonical-json.js";
import { SIGNATURE_PATTERN, type SyncEvent, type UnsignedSyncEvent } from "./event.js";

/**
 * HMAC-SHA256 signatures over the canonical JSON of an event without its `sig`, via
 * WebCrypto (the same code in Workers and Node). The signature names its key, so a
 * keyring can hold the new key and the old one while events signed with either are in
 * flight: rotate by adding a key, making it current, and dropping the old one later.
 */

export interface KeyringInput {
  /** Key id used to sign new events. */
  current: string;
  /** Key id → shared secret (at least 32 characters). */
  keys: Record<string, string>;
}

export interface Keyring {
  readonly current: string;
  readonly ids: readonly string[];
  key(id: string): CryptoKey | undefined;
}

const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const MIN_SECRET_LENGTH = 32;

export async function createKeyring(input: KeyringInput): Promise<Keyring> {
  const ids = Object.keys(input.keys);
  if (!(input.current in input.keys)) {
    throw new RangeError(
      `signing key "${input.current}" is current but not in the keyring (${ids.join(", ") || "empty"})`,
    );
  }
  const keys = new Map<string, CryptoKey>();
  for (const id of ids) {
    if (!KEY_ID_PATTERN.test(id))
      throw new RangeError(`signing key id must match ${KEY_ID_PATTERN}: "${id}"`);
    const secret = input.keys[id] as string;
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new RangeError(`signing key "${id}" is shorter than ${MIN_SECRET_LENGTH} characters`);
    }
    const material = new TextEncoder().encode(secret);
    keys.set(
      id,
      await crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, [
        "sign",
        "verify",
      ]),
    );
  }
  return { current: input.current, ids, key: (id) => keys.get(id) };
}

/** The bytes a signature covers: the event's canonical JSON without `sig`. */
export function signingInput(event: UnsignedSyncEvent | SyncEvent): Uint8Array {
  const { sig: _sig, ...unsigned } = event as SyncEvent;
  return new TextEncoder().encode(canonicalJson(unsigned));
}

export async function signEvent(
  event: UnsignedSyncEvent | SyncEvent,
  keyring: Keyring,
): Promise<SyncEvent> {
  const sig = await signBytes(signingInput(event), keyring);
  const { sig: _old, ...unsigned } = event as SyncEvent;
  return { ...unsigned, sig };
}

/**
 * `<keyId>.<base64url HMAC-SHA256>` of `bytes` under the keyring's current key: the one
 * signature format, for events (`sig`) and for anything else peers sign (wake-up hints).
 */
export async function signBytes(bytes: Uint8Array, keyring: Keyring): Promise<string> {
  const key = keyring.key(keyring.current) as CryptoKey;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes));
  return `${keyring.current}.${base64url(mac)}`;
}

export type VerifyResult =
  | { ok: true; keyId: string }
  | { ok: false; reason: "missing" | "malformed" | "unknown-key" | "mismatch" };

/** Checks `event.sig` against the keyring; WebCrypto's verify compares in constant time. */
export async function verifyEvent(
  event: SyncEvent | UnsignedSyncEvent,
  keyring: Keyring,
): Promise<VerifyResult> {
  return verifyBytes(signingInput(event), (event as SyncEvent).sig, keyring);
}

/** Checks a `signBytes` signature over `bytes`, naming the reason when it does not hold. */
export async function verifyBytes(
  bytes: Uint8Array,
  sig: string | null | undefined,
  keyring: Keyring,
): Promise<VerifyResult> {
  if (sig === undefined || sig === null || sig === "") return { ok: false, reason: "missing" };
  const match = SIGNATURE_PATTERN.exec(sig);
  if (!match) return { ok: false, reason: "malformed" };
  const [, keyId, encoded] = match as unknown as [string, string, string];
  // Only the one canonical spelling: a changed spare bit could decode to the same MAC.
  const mac = fromCanonicalBase64url(encoded);
  if (mac === undefined) return { ok: false, reason: "malformed" };
  const key = keyring.key(keyId);
  if (!key) return { ok: false, reason: "unknown-key" };
  const valid = await crypto.subtle.verify("HMAC", key, mac, bytes);
  return valid ? { ok: true, keyId } : { ok: false, reason: "mismatch" };
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** Character code → its 6-bit value, -1 outside the alphabet: one lookup per character. */
const VALUES = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();
/** Unpadded base64url. Plain concatenation: in workerd it beats `btoa` on sealed payloads. */
export function base64url(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] as number;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += ALPHABET[b0 >> 2];
    out += ALPHABET[((b0 & 3) << 4) | ((b1 ?? 0) >> 4)];
    if (b1 !== undefined) out += ALPHABET[((b1 & 15) << 2) | ((b2 ?? 0) >> 6)];
    if (b2 !== undefined) out += ALPHABET[b2 & 63];
  }
  return out;
}

/**
 * The bytes of `text` only when it is the one spelling `base64url` gives them: base64 has
 * spare bits in its last character, and a changed spare bit must not decode to the same
 * bytes (a signature or a ciphertext would then have two spellings).
 */
export function fromCanonicalBase64url(text: string): Uint8Array | undefined {
  const decoded = fromBase64url(text);
  if (decoded === undefined || text.length % 4 === 0) return decoded;
  const last = VALUES[text.charCodeAt(text.length - 1)] as number;
  const spare = text.length % 4 === 2 ? 0b1111 : 0b11;
  return (last & spare) === 0 ? decoded : undefined;
}

/** The bytes of unpadded base64url text; `undefined` for any other character or length. */
export function fromBase64url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? (VALUES[code] as number) : -1;
    if (value < 0) return undefined;
    buffer = ((buffer << 6) | value) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (buffer >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}
