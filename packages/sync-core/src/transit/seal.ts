import { canonicalJson } from "../canonical-json.js";
import {
  parseEvent,
  SEAL_ALGORITHM,
  type SealedContent,
  type SyncEvent,
  type UnsignedSyncEvent,
} from "../event.js";
import { base64url, fromCanonicalBase64url } from "../signing.js";
import type { TransitKeyring } from "./keyring.js";
import type { TransitPublicKey } from "./keys.js";

/**
 * Sealing an event's content for exactly the regions allowed to store it: a fresh AES-256-GCM
 * data key encrypts the payload (the event's clear metadata is the associated data, so
 * content cannot be moved to another event), and the data key is wrapped (AES-KW) for each
 * recipient under a key agreed by ECDH between a one-time key pair and the recipient's
 * public key (HKDF-SHA-256, bound to the event id, the recipient and its key id). A region
 * without an entry in `to` holds nothing that opens it, whatever other secrets it has.
 */

export interface TransitRecipient {
  region: string;
  publicKey: TransitPublicKey;
}

const CURVE = { name: "ECDH", namedCurve: "P-256" } as const;
const encoder = new TextEncoder();

/** The event with its payload replaced by `sealed`; sign it afterwards (the signature covers the seal). */
export async function sealEvent(
  event: UnsignedSyncEvent,
  recipients: readonly TransitRecipient[],
): Promise<UnsignedSyncEvent> {
  const { payload, ...clear } = event;
  if (payload === undefined) throw new TypeError("only an event with a payload is sealed");
  if (recipients.length === 0) throw new RangeError("a sealed event needs at least one recipient");
  const dataKey = (await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, [
    "encrypt",
  ])) as CryptoKey;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: associatedData(clear) },
    dataKey,
    encoder.encode(canonicalJson(payload)),
  );
  const ephemeral = (await crypto.subtle.generateKey(CURVE, true, ["deriveBits"])) as CryptoKeyPair;
  const wrapped = await Promise.all(
    recipients.map(async ({ region, publicKey }) => {
      const kek = await keyEncryptionKey(ephemeral.privateKey, publicKey.key, {
        eventId: event.id,
        region,
        keyId: publicKey.keyId,
      });
      const wrappedKey = await crypto.subtle.wrapKey("raw", dataKey, kek, "AES-KW");
      return [region, `${publicKey.keyId}.${base64url(new Uint8Array(wrappedKey))}`] as const;
    }),
  );
  const epk = new Uint8Array(
    (await crypto.subtle.exportKey("raw", ephemeral.publicKey)) as ArrayBuffer,
  );
  const sealed: SealedContent = {
    alg: SEAL_ALGORITHM,
    epk: base64url(epk),
    iv: base64url(iv),
    ct: base64url(new Uint8Array(ciphertext)),
    to: Object.fromEntries(wrapped),
  };
  return { ...clear, sealed };
}

export type OpenResult =
  | { ok: true; event: SyncEvent }
  /**
   * `not-addressed`: no key was wrapped for this region (its band or spaces do not admit the
   * record, as the sender saw them); `unknown-key`: wrapped for a key this region no longer
   * holds; `undecryptable`: the wrap or the ciphertext does not open (altered, or a wrong key);
   * `malformed`: what opened is not a payload the contract accepts.
   */
  | { ok: false; reason: "not-addressed" | "unknown-key" | "undecryptable" | "malformed" };

/** The event with its content in clear, for a region `to` names; the caller has checked `sig`. */
export async function openEvent(event: SyncEvent, keyring: TransitKeyring): Promise<OpenResult> {
  const { sealed, sig, ...clear } = event;
  if (sealed === undefined) return { ok: true, event };
  // Own entries only: a region named like an Object member (`constructor`) is not addressed by it.
  if (!Object.hasOwn(sealed.to, keyring.region)) return { ok: false, reason: "not-addressed" };
  const entry = sealed.to[keyring.region] as string;
  const [keyId, wrappedText] = entry.split(".") as [string, string];
  const privateKey = keyring.key(keyId);
  if (privateKey === undefined) return { ok: false, reason: "unknown-key" };
  let plaintext: ArrayBuffer;
  try {
    const ephemeral = await crypto.subtle.importKey("raw", bytes(sealed.epk), CURVE, false, []);
    const kek = await keyEncryptionKey(privateKey, ephemeral, {
      eventId: event.id,
      region: keyring.region,
      keyId,
    });
    const dataKey = await crypto.subtle.unwrapKey(
      "raw",
      bytes(wrappedText),
      kek,
      "AES-KW",
      { name: "AES-GCM", length: 256 },
      false,
      ["decrypt"],
    );
    plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes(sealed.iv), additionalData: associatedData(clear) },
      dataKey,
      bytes(sealed.ct),
    );
  } catch {
    return { ok: false, reason: "undecryptable" };
  }
  const payload = jsonOf(plaintext);
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    return { ok: false, reason: "malformed" };
  const opened = parseEvent({ ...clear, ...(sig ? { sig } : {}), payload });
  return opened.success ? { ok: true, event: opened.data } : { ok: false, reason: "malformed" };
}

/** What binds the ciphertext to its event: the canonical JSON of everything but the content and the signature. */
function associatedData(clear: Omit<UnsignedSyncEvent, "payload" | "sealed">): Uint8Array {
  const { payload: _p, sealed: _s, sig: _g, ...metadata } = clear as SyncEvent;
  return encoder.encode(canonicalJson(metadata));
}

async function keyEncryptionKey(
  privateKey: CryptoKey,
  publicKey: CryptoKey,
  bound: { eventId: string; region: string; keyId: string },
): Promise<CryptoKey> {
  // `public` is the WebCrypto member; workers-types spell it `$public` (a JSG naming rule).
  const ecdh = { name: "ECDH", public: publicKey } as unknown as SubtleCryptoDeriveKeyAlgorithm;
  const shared = await crypto.subtle.deriveBits(ecdh, privateKey, 256);
  const material = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(0),
      info: encoder.encode(`memoria-transit-v1|${bound.eventId}|${bound.region}|${bound.keyId}`),
    },
    material,
    { name: "AES-KW", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
}

/**
 * Base64url's last character has spare bits: only the one spelling `base64url` writes is
 * read, so no other text (which the signature would cover differently) opens to the same seal.
 */
function bytes(text: string): Uint8Array {
  const decoded = fromCanonicalBase64url(text);
  if (!decoded) throw new RangeError("not canonical base64url");
  return decoded;
}

function jsonOf(plaintext: ArrayBuffer): unknown {
  try {
    return JSON.parse(
      new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(plaintext),
    );
  } catch {
    return undefined;
  }
}
