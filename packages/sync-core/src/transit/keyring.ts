import { importTransitPrivateKey, transitPublicKeyOf } from "./keys.js";

/**
 * A region's own transit keys: the current one (whose public half the fleet seals for) and
 * older ones kept while events sealed for them may still be in flight. Rotation is the
 * signing keyring's: add the new key, make it current, publish its public half in the region
 * table, and drop the old key once nothing sealed for it can still arrive.
 */
export interface TransitKeyringInput {
  /** This region's id: the entry of `sealed.to` it reads. */
  region: string;
  current: string;
  /** Key id → base64url PKCS#8 private key. */
  keys: Record<string, string>;
}

export interface TransitKeyring {
  readonly region: string;
  readonly current: string;
  /** `<keyId>.<point>` of the current key: what peers must list for this region. */
  readonly publicKey: string;
  readonly ids: readonly string[];
  key(id: string): CryptoKey | undefined;
}

export async function createTransitKeyring(input: TransitKeyringInput): Promise<TransitKeyring> {
  const ids = Object.keys(input.keys);
  // Own keys only: `in` would take an Object member (`constructor`) for a key.
  if (!Object.hasOwn(input.keys, input.current))
    throw new RangeError(
      `transit key "${input.current}" is current but not among the keys (${ids.join(", ") || "none"})`,
    );
  const keys = new Map<string, CryptoKey>();
  for (const id of ids) keys.set(id, await importTransitPrivateKey(id, input.keys[id] as string));
  const publicKey = await transitPublicKeyOf(input.current, keys.get(input.current) as CryptoKey);
  return {
    region: input.region,
    current: input.current,
    publicKey,
    ids,
    key: (id) => keys.get(id),
  };
}
