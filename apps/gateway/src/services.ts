import { createStore, type Store } from "@memoria/store";
import {
  ConfigError,
  createKeyring,
  HybridClock,
  type Keyring,
  type LeaderLease,
  type LoadedConfig,
  type Logger,
  loadConfig,
  type MemoriaConfig,
  ProblemError,
  type SyncTransport,
} from "@memoria/sync-core";
import { postgresLeaseFromConfig, postgresTransportFromConfig } from "@memoria/sync-postgres";
import { redisLeaseFromConfig, redisTransportFromConfig } from "@memoria/sync-redis";
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
  /** What the config loader warned about (unknown keys, ignored names); `/health/sync` lists them. */
  configWarnings: string[];
  /** Closes the pools; call after the response (ctx.waitUntil). */
  close(): Promise<void>;
}

/** One clock per isolate and region: HLCs stay monotonic across this isolate's requests. */
const clocks = new Map<string, HybridClock>();
/** Stores this isolate has already migrated. */
const migrated = new Set<string>();
/** Keyrings cost a key import; reuse them while the keys are unchanged. */
const keyrings = new Map<string, Promise<Keyring>>();

export async function buildServices(bindings: Record<string, unknown>): Promise<Services> {
  const parsed = envSchema.safeParse(bindings);
  if (!parsed.success) {
    throw new ProblemError(500, {
      title: "Gateway misconfigured",
      detail: `bad bindings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    });
  }
  const env = parsed.data;
  configureNeon(env);
  const vars = stringVars(bindings);
  const loaded = loadOrProblem({
    ...(env.MEMORIA_TOML ? { toml: env.MEMORIA_TOML } : {}),
    env: vars,
  });
  const base = loaded.config;
  const region = base.region.id;
  const pools: Pool[] = [];
  // An idle pooled connection that drops emits on the pool; without a listener that is a crash.
  const track = (pool: Pool): Pool => {
    pool.on("error", (error: Error) => loggerFor(base).warn("db.idle_connection_lost", { error }));
    pools.push(pool);
    return pool;
  };
  const storePool = track(new Pool({ connectionString: env.STORE_DATABASE_URL, max: 4 }));
  const schema = env.STORE_SCHEMA ?? `memoria_${region.replace(/-/g, "_")}`;

  // Settings from PATCH /settings override toml and env; they live in the store.
  const bootstrap = makeStore(storePool, schema, base, null, false);
  // Once per isolate and store: the migration takes a lock and reads the version table.
  const migrationKey = `${env.STORE_DATABASE_URL}#${schema}`;
  if (!migrated.has(migrationKey)) {
    await bootstrap.migrate();
    migrated.add(migrationKey);
  }
  const overrides = await bootstrap.readSettings();
  const final =
    Object.keys(overrides).length === 0
      ? loaded
      : loadOrProblem({
          ...(env.MEMORIA_TOML ? { toml: env.MEMORIA_TOML } : {}),
          env: vars,
          overrides,
        });
  const config = final.config;
  const log = loggerFor(config);
  logConfigWarnings(log, final.warnings);

  const keyring = await keyringFor(config);
  let transport: SyncTransport | null = null;
  let leases: Services["leases"] = null;
  if (config.sync.enabled && config.sync.backend !== "none") {
    if (config.sync.backend === "redis") {
      transport = redisTransportFromConfig(config, { consumer: `${region}-${isolateId()}` });
      leases = {
        writer: redisLeaseFromConfig(config, { name: "writer" }),
        scheduler: redisLeaseFromConfig(config, { name: "scheduler" }),
      };
    } else {
      const syncPool = track(
        new Pool({ connectionString: config.sync.connection_url as string, max: 4 }),
      );
      transport = postgresTransportFromConfig(config, { pool: syncPool });
      leases = {
        writer: postgresLeaseFromConfig(config, { pool: syncPool, name: "writer" }),
        scheduler: postgresLeaseFromConfig(config, { pool: syncPool, name: "scheduler" }),
      };
    }
  }
  const store = makeStore(
    storePool,
    schema,
    config,
    keyring,
    transport !== null && keyring !== null,
  );
  return {
    env,
    config,
    region,
    store,
    transport,
    keyring,
    leases,
    log,
    configWarnings: final.warnings,
    close: async () => {
      await Promise.allSettled(pools.map((pool) => pool.end()));
    },
  };
}

/** Names this isolate's Redis consumer; made on first use (no randomness allowed at global scope). */
let isolateName: string | undefined;
function isolateId(): string {
  isolateName ??= crypto.randomUUID().slice(0, 8);
  return isolateName;
}

function loadOrProblem(input: Parameters<typeof loadConfig>[0]): LoadedConfig {
  try {
    return loadConfig(input);
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
