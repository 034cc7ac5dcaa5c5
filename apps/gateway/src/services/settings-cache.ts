import type { Store } from "@memoria/store";
import {
  type Keyring,
  type Logger,
  loadWithStoredOverrides,
  type MemoriaConfig,
  misconfigured,
  type SettingsError,
  type StoredConfig,
} from "@memoria/sync-core";
import { validateSyncConfig } from "@memoria/transports";
import { logConfigWarnings, loggerFor } from "../log.js";
import { keyringFor } from "./keyring.js";
import { type IsolateRuntime, orProblem } from "./runtime.js";
import { type TransitSetup, transitFor } from "./transit.js";

/** The effective config of one store at one settings version, and what is derived from it. */
export interface EffectiveConfig extends StoredConfig {
  version: number;
  log: Logger;
  keyring: Keyring | null;
  transit: TransitSetup;
}

/** Per isolate, by runtime and store: the config at the settings version last seen. */
const cache = new Map<string, EffectiveConfig>();
/** Stores this isolate has already migrated. */
const migrated = new Set<string>();

/**
 * The config with the settings `PATCH /settings` stored (they override toml and env and
 * live in the store). Each call costs one statement: the settings' version, with the
 * overrides only when they changed (migration 7's trigger moves the version with every
 * change, whoever made it), so a change in one isolate is seen by the next request of every
 * other. The store is migrated first, once per isolate. A stored key that cannot work is
 * left out and reported, so a bad row never stops the region: it serves on the rest.
 */
export async function effectiveConfig(
  runtime: IsolateRuntime,
  bootstrap: Store,
  storeKey: string,
): Promise<EffectiveConfig> {
  const key = `${runtime.key}\u0000${storeKey}`;
  if (!migrated.has(storeKey)) {
    await bootstrap.migrate();
    migrated.add(storeKey);
  }
  const cached = cache.get(key);
  const read = await bootstrap.readSettingsIfChanged(cached?.version);
  if (cached && read.overrides === undefined) return cached;
  const loaded = orProblem(() =>
    loadWithStoredOverrides(runtime.input, read.overrides ?? {}, syncIssues),
  );
  const log = loggerFor(loaded.config);
  logSettingsErrors(log, loaded.settingsErrors);
  const transit = await transitFor(loaded.config).catch((error: unknown) =>
    misconfigured(error, "Gateway misconfigured"),
  );
  const warnings = [...loaded.warnings, ...transit.warnings];
  logConfigWarnings(log, warnings);
  const effective = {
    ...loaded,
    warnings,
    version: read.version,
    log,
    keyring: await keyringFor(loaded.config),
    transit,
  };
  cache.set(key, effective);
  return effective;
}

/** The sync backend's own rules (a redis:// URL where the edge needs REST); none when sync is off. */
export function syncIssues(config: MemoriaConfig) {
  return config.sync.enabled ? validateSyncConfig(config).issues : [];
}

/** Broken stored settings already logged by this isolate: once each, not once a request. */
const loggedSettingsErrors = new Set<string>();
function logSettingsErrors(log: Logger, errors: SettingsError[]): void {
  for (const error of errors) {
    const line = `${error.key}: ${error.message}`;
    if (loggedSettingsErrors.has(line)) continue;
    loggedSettingsErrors.add(line);
    log.error("settings.stored_key_ignored", {
      key: error.key,
      reason: error.message,
      fix: `PATCH /settings {"${error.key}": null} clears it`,
    });
  }
}
