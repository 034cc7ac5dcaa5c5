import { createKeyring, type Keyring, type MemoriaConfig } from "@memoria/sync-core";

/** Keyrings cost a key import; reuse them while the keys are unchanged. */
const keyrings = new Map<string, Promise<Keyring>>();

/** The signing keyring of `config`; null when no signing key is configured. */
export async function keyringFor(config: MemoriaConfig): Promise<Keyring | null> {
  const id = config.sync.signing_key_id;
  if (id === undefined) return null;
  const keys = Object.fromEntries(
    Object.entries(config.sync.signing_keys).map(([k, v]) => [k, String(v)]),
  );
  const cacheKey = JSON.stringify([id, keys]);
  let keyring = keyrings.get(cacheKey);
  if (!keyring) {
    keyring = createKeyring({ current: id, keys });
    keyrings.set(cacheKey, keyring);
  }
  return keyring;
}
