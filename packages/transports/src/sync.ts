import {
  type BackendConfigReport,
  type BackendConnection,
  type BackendDeps,
  type MemoriaConfig,
  SYNC_BACKENDS,
  type SyncBackend,
} from "@memoria/sync-core";
import { syncBackends } from "./registry.js";

/** Every registered backend's name, in registry order (CLI choices, benchmarks, tests). */
export function backendNames(): readonly SyncBackend[] {
  return SYNC_BACKENDS;
}

export function isSyncBackend(name: string): name is SyncBackend {
  return (SYNC_BACKENDS as readonly string[]).includes(name);
}

/**
 * Whether the sync part of a configuration can work, before it is saved or used:
 * `issues` refuse it (a redis:// URL for the redis backend, an unknown option key),
 * `warnings` accept it (a key with no meaning on the edge). Sync `none` has nothing to check.
 */
export function validateSyncConfig(config: MemoriaConfig): BackendConfigReport {
  const name = config.sync.backend;
  if (name === "none") return { issues: [], warnings: [] };
  return syncBackends[name].validate(config);
}

/**
 * The configured backend, connected: `null` when sync is off (`sync.enabled = false` or
 * backend `none`). Throws `ConfigError` when the configuration cannot work.
 */
export function connectSync(config: MemoriaConfig, deps?: BackendDeps): BackendConnection | null {
  const name = config.sync.backend;
  if (!config.sync.enabled || name === "none") return null;
  return syncBackends[name].connect(config, deps);
}
