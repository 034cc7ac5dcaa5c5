import { createStore, type Store } from "@memoria/store";
import {
  ConfigError,
  createKeyring,
  HybridClock,
  type Keyring,
  type LeaderLease,
  type LoadConfigInput,
  type Logger,
  loadConfig,
  loadWithStoredOverrides,
  type MemoriaConfig,
  ProblemError,
  type SettingsError,
  type StoredConfig,
  type SyncTransport,
} from "@memoria/sync-core";
import { connectSync, validateSyncConfig } from "@memoria/transports";
import { neonConfig, Pool } from "@neondatabase/serverless";
import { envSchema, type GatewayEnv, stringVars } from "./env.js";
import { logConfigWarnings, loggerFor } from "./log.js";

/**
 * Everything a request needs, built once per request (workerd forbids sharing I/O
 * objects between requests) from the bindings, the stored settings and the config.
 */
export interface Services {
  env: GatewayEnv;
  config: MemoriaConfig;
  region: string;
  store: Store;
  /** Null when sync is off (`sync.enabled = false` or backend `none`). */
  transport: SyncTransport | null;
  /** Null when no signing keys are configured: then nothing is published or accepted. */
  keyring: Keyring | null;
  leases: { writer: LeaderLease; scheduler: LeaderLease } | null;
  /** The structured logger at `logging.level`, bound to this region. */
  log: Logger;
  /**
   * What the config loader and the sync backend warned about (unknown keys, options with
   * no effect on the edge); `/health/sync` lists them.
   */
  configWarnings: string[];
  /**
   * Stored settings left out because they cannot work (an older version wrote them, say):
   * the region serves without them; `/health/sync` and `GET /settings` list them.
   */
  settingsErrors: SettingsError[];
  /** Closes the store pool and the sync connection; call after the response (ctx.waitUntil). */
  close(): Promise<void>;
}

/** One clock per isolate and region: HLCs stay monotonic across this isolate's requests. */
const clocks = new Map<string, HybridClock>();
/** Stores this isolate has already migrated. */
const migrated = new Set<string>();
/** Keyrings cost a key import; reuse them while the keys are unchanged. */
const keyrings = new Map<string, Promise<Keyring>>();

export async function buildServices(bindings: Record<string, unknown>): Promise<Services> {
  const env = parseBindings(bindings);
  configureNeon(env);
  const input: LoadConfigInput = {
    ...(env.MEMORIA_TOML ? { toml: env.MEMORIA_TOML } : {}),
    env: stringVars(bindings),
  };
  const base = orProblem(() => loadConfig(input)).config;
  const storePool = new Pool({ connectionString: env.STORE_DATABASE_URL, max: 4 });
  // An idle pooled connection that drops emits on the pool; without a listener that is a crash.
  storePool.on("error", (error: Error) =>
    loggerFor(base).warn("db.idle_connection_lost", { error }),
  );
  const schema = env.STORE_SCHEMA ?? `memoria_${base.region.id.replace(/-/g, "_")}`;
  const store = { pool: storePool, schema, url: env.STORE_DATABASE_URL };
  const loaded = await withStoredSettings(input, store, base);
  const config = loaded.config;
  const log = loggerFor(config);
  logSettingsErrors(log, loaded.settingsErrors);
  const keyring = await keyringFor(config);
  // The registry picks the backend; it builds (and on close releases) its own client or pool.
  const sync = orProblem(() =>
    connectSync(config, { consumer: `${config.region.id}-${isolateId()}`, log }),
  );
  const configWarnings = [...loaded.warnings, ...(sync?.warnings ?? [])];
  logConfigWarnings(log, configWarnings);
  const transport = sync?.transport ?? null;
  return {
    env,
    config,
    region: config.region.id,
    store: makeStore(storePool, schema, config, keyring, transport !== null && keyring !== null),
    transport,
    keyring,
    leases: sync ? { writer: sync.lease("writer"), scheduler: sync.lease("scheduler") } : null,
    log,
    configWarnings,
    settingsErrors: loaded.settingsErrors,
    close: async () => {
      await Promise.allSettled([storePool.end(), sync?.close()]);
    },
  };
}

function parseBindings(bindings: Record<string, unknown>): GatewayEnv {
  const parsed = envSchema.safeParse(bindings);
  if (parsed.success) return parsed.data;
  throw new ProblemError(500, {
    title: "Gateway misconfigured",
    detail: `bad bindings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
  });
}

/**
 * The config with the settings `PATCH /settings` stored (they override toml and env and
 * live in the store), migrating the store first, once per isolate and store. A stored
 * key that cannot work (the schema or the sync backend refuses it) is left out and
 * reported, so a bad row never stops the region: it serves on the rest.
 */
async function withStoredSettings(
  input: LoadConfigInput,
  store: { pool: Pool; schema: string; url: string },
  base: MemoriaConfig,
): Promise<StoredConfig> {
  const bootstrap = makeStore(store.pool, store.schema, base, null, false);
  // Once per isolate and store: the migration takes a lock and reads the version table.
  const migrationKey = `${store.url}#${store.schema}`;
  if (!migrated.has(migrationKey)) {
    await bootstrap.migrate();
    migrated.add(migrationKey);
  }
  const overrides = await bootstrap.readSettings();
  return orProblem(() => loadWithStoredOverrides(input, overrides, syncIssues));
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

/** Names this isolate's Redis consumer; made on first use (no randomness allowed at global scope). */
let isolateName: string | undefined;
function isolateId(): string {
  isolateName ??= crypto.randomUUID().slice(0, 8);
  return isolateName;
}

/** A configuration that cannot work answers 500 naming every bad key, not a bare exception. */
function orProblem<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new ProblemError(500, {
        title: "Gateway misconfigured",
        detail: error.message,
        errors: error.issues.map((issue) => ({ field: issue.key, message: issue.message })),
      });
    }
    throw error;
  }
}

function makeStore(
  pool: Pool,
  schema: string,
  config: MemoriaConfig,
  keyring: Keyring | null,
  publishing: boolean,
): Store {
  const region = config.region.id;
  let clock = clocks.get(region);
  if (!clock) {
    clock = new HybridClock({ node: region, maxDriftMs: config.sync.max_clock_drift_ms });
    clocks.set(region, clock);
  }
  return createStore({
    pool,
    schema,
    region,
    namespace: config.memory.namespace,
    band: { floor: config.sync.privacy_floor, ceiling: config.sync.privacy_ceiling },
    realtimeReplication: config.sync.realtime_replication,
    // Without keys nothing can be signed, so nothing is published: writes stay in this region.
    keyring: keyring ?? unsignedKeyring,
    clock,
    publishing,
    // The services' own logger (memoized per region and level), so the store's DEBUG lines follow logging.level.
    log: loggerFor(config),
  });
}

/** Stands in when no key is configured; never signs, since the store is then not publishing. */
const unsignedKeyring: Keyring = { current: "none", ids: [], key: () => undefined };

async function keyringFor(config: MemoriaConfig): Promise<Keyring | null> {
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

let neonConfigured = false;
/** Development only: route the Neon driver to the local proxy in front of a real Postgres. */
function configureNeon(env: GatewayEnv): void {
  if (neonConfigured || env.NEON_WS_PROXY === undefined) return;
  neonConfig.wsProxy = env.NEON_WS_PROXY;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  neonConfig.forceDisablePgSSL = true;
  if (env.NEON_FETCH_ENDPOINT) neonConfig.fetchEndpoint = env.NEON_FETCH_ENDPOINT;
  neonConfigured = true;
}
