import type { StoreTransit } from "@memoria/store";
import {
  createTransitKeyring,
  importTransitPublicKey,
  type MemoriaConfig,
  type TransitKeyring,
  transitPolicyOf,
  transitWarnings,
} from "@memoria/sync-core";

/** What the store needs to seal and open content, and what an operator should hear about it. */
export interface TransitSetup {
  transit: StoreTransit;
  keyring?: TransitKeyring;
  warnings: string[];
}

/** Key imports cost; reuse them while the keys and the region table are unchanged. */
const setups = new Map<string, Promise<TransitSetup>>();

export function transitFor(config: MemoriaConfig): Promise<TransitSetup> {
  const key = JSON.stringify([
    config.region.id,
    config.sync.enabled,
    config.sync.transit_encryption,
    config.sync.transit_keys,
    config.sync.transit_key_id,
    config.regions,
    // The warnings compare the region's own row with its band and spaces.
    config.sync.privacy_floor,
    config.sync.privacy_ceiling,
    config.memory.team_spaces,
  ]);
  let setup = setups.get(key);
  if (!setup) {
    setup = build(config);
    // A refused setup is not kept: the next config (a fixed one) tries again.
    setup.catch(() => setups.delete(key));
    setups.set(key, setup);
  }
  return setup;
}

async function build(config: MemoriaConfig): Promise<TransitSetup> {
  const region = config.region.id;
  const keys = Object.fromEntries(
    Object.entries(config.sync.transit_keys).map(([id, text]) => [id, String(text)]),
  );
  const current = config.sync.transit_key_id ?? Object.keys(keys)[0];
  const keyring =
    current === undefined ? undefined : await createTransitKeyring({ region, current, keys });
  const policy = await transitPolicyOf(config);
  const self = keyring
    ? { region, publicKey: await importTransitPublicKey(keyring.publicKey) }
    : undefined;
  const warnings = transitWarnings(config);
  const listed = config.regions.find((row) => row.id === region)?.transit_key;
  if (keyring && listed !== undefined && listed !== keyring.publicKey)
    warnings.push(
      `regions: this region's transit_key is not the public half of sync.transit_key_id "${keyring.current}" (${keyring.publicKey}): peers seal for a key this region may not hold`,
    );
  return {
    transit: policy.mode === "sealed" && self ? { ...policy, self } : policy,
    ...(keyring ? { keyring } : {}),
    warnings,
  };
}
