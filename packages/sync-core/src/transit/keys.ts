import { base64url, fromBase64url } from "../signing.js";

/**
 * Transit keys: each region holds P-256 private keys (ECDH) of its own and publishes the
 * public halves in the fleet's region table. A sender wraps each event's data key for the
 * public key of every region allowed to store the record, so only those can read it. Text
 * forms travel in config: a private key is the base64url of its PKCS#8 encoding, a public
 * key `<keyId>.<base64url of the 65-byte uncompressed point>` (the key id says which of the
 * receiver's keys to use, so keys rotate like the signing keyring's).
 */

const CURVE = { name: "ECDH", namedCurve: "P-256" } as const;

export const TRANSIT_KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** `<keyId>.<87 base64url characters>`: a 65-byte uncompressed P-256 point (0x04 ‖ x ‖ y). */
export const TRANSIT_PUBLIC_KEY_PATTERN = /^([A-Za-z0-9_-]{1,32})\.(B[A-Za-z0-9_-]{86})$/;
/** A P-256 PKCS#8 private key as WebCrypto exports it (138 bytes, or 67 without the public part). */
const PRIVATE_KEY_PATTERN = /^[A-Za-z0-9_-]{80,400}$/;

export interface TransitKeyPair {
  keyId: string;
  /** base64url PKCS#8: a secret, for `sync.transit_keys`. */
  privateKey: string;
  /** `<keyId>.<point>`: for this region's `transit_key` in the region table. */
  publicKey: string;
}

/** A new key pair (what `memoria keys transit` prints, and what the local topology makes). */
export async function generateTransitKey(keyId: string): Promise<TransitKeyPair> {
  checkKeyId(keyId);
  const pair = (await crypto.subtle.generateKey(CURVE, true, ["deriveBits"])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(
    (await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer,
  );
  const point = new Uint8Array(
    (await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer,
  );
  return { keyId, privateKey: base64url(pkcs8), publicKey: `${keyId}.${base64url(point)}` };
}

/** Whether `text` has the form of a private key (the import itself says whether it is one). */
export function isTransitPrivateKeyText(text: unknown): boolean {
  return typeof text === "string" && PRIVATE_KEY_PATTERN.test(text);
}

/** Whether `text` has the form `<keyId>.<point>` (the import says whether the point is on the curve). */
export function isTransitPublicKeyText(text: unknown): boolean {
  return typeof text === "string" && TRANSIT_PUBLIC_KEY_PATTERN.test(text);
}

export async function importTransitPrivateKey(keyId: string, text: string): Promise<CryptoKey> {
  checkKeyId(keyId);
  const bytes = isTransitPrivateKeyText(text) ? fromBase64url(text) : undefined;
  if (!bytes) throw new RangeError(`transit key "${keyId}" is not base64url PKCS#8`);
  try {
    return await crypto.subtle.importKey("pkcs8", bytes, CURVE, true, ["deriveBits"]);
  } catch (error) {
    throw new RangeError(
      `transit key "${keyId}" is not a P-256 private key: ${(error as Error).message}`,
    );
  }
}

export interface TransitPublicKey {
  keyId: string;
  key: CryptoKey;
  /** The text it was read from (`<keyId>.<point>`). */
  text: string;
}

export async function importTransitPublicKey(text: string): Promise<TransitPublicKey> {
  const match = TRANSIT_PUBLIC_KEY_PATTERN.exec(text);
  const point = match ? fromBase64url(match[2] as string) : undefined;
  if (!match || !point || point.length !== 65)
    throw new RangeError("a transit public key is <keyId>.<base64url 65-byte P-256 point>");
  try {
    const key = await crypto.subtle.importKey("raw", point, CURVE, true, []);
    return { keyId: match[1] as string, key, text };
  } catch (error) {
    throw new RangeError(
      `transit public key "${match[1]}" is not a P-256 point: ${(error as Error).message}`,
    );
  }
}

/** The public half of a private key, in the region table's form. */
export async function transitPublicKeyOf(keyId: string, privateKey: CryptoKey): Promise<string> {
  const jwk = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
  const x = fromBase64url(jwk.x ?? "");
  const y = fromBase64url(jwk.y ?? "");
  if (!x || !y || x.length !== 32 || y.length !== 32)
    throw new RangeError(`transit key "${keyId}" has no P-256 public part`);
  const point = new Uint8Array(65);
  point[0] = 4;
  point.set(x, 1);
  point.set(y, 33);
  return `${keyId}.${base64url(point)}`;
}

function checkKeyId(keyId: string): void {
  if (!TRANSIT_KEY_ID_PATTERN.test(keyId))
    throw new RangeError(`transit key id must match ${TRANSIT_KEY_ID_PATTERN}: "${keyId}"`);
}
