import type { SqlPool } from "@memoria/sql";
import { createStore, type Store } from "@memoria/store";
import {
  HybridClock,
  type Keyring,
  type LeaderLease,
  type Logger,
  type MemoriaConfig,
  ProblemError,
  type SettingsError,
  type SyncTransport,
  type TransitKeyring,
} from "@memoria/sync-core";
import { connectSync } from "@memoria/transports";
import type { Bindings, GatewayEnv } from "./env.js";
import { logConfigWarnings, loggerFor } from "./log.js";
import { isolateRuntime, orProblem } from "./services/runtime.js";
import { effectiveConfig } from "./services/settings-cache.js";
import type { TransitSetup } from "./services/transit.js";
import { storeSchema } from "./store-pool/neon.js";
import { remoteSqlPool } from "./store-pool/remote.js";

export { syncIssues } from "./services/settings-cache.js";

/**
 * Everything a request needs. What can outlive a request is built once per isolate (parsed
 * bindings and config, the config with stored settings per settings version, keyrings,
 * clocks, loggers); what cannot (sockets: workerd ties them to one request) is borrowed
 * from the region's `StorePool` object or, for the puller, kept by the puller itself.
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
  /** This region's transit keys (`sync.transit_keys`): what opens content sealed for it. */
  transitKeyring: TransitKeyring | undefined;
  leases: { writer: LeaderLease; scheduler: LeaderLease } | null;
  /** The structured logger at `logging.level`, bound to this region. */
  log: Logger;
  /** The stored settings' version this config was loaded at (`settings_version`). */
  settingsVersion: number;
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
  /** Releases what this request holds (connections, the sync client); call after the response (ctx.waitUntil). */
  close(): Promise<void>;
}

export interface BuildOptions {
  /**
   * Store connections the caller keeps and closes itself (the puller, a Durable Object,
   * may keep sockets between alarms). Otherwise the region's `StorePool` object lends them.
   */
  pool?: SqlPool;
}

/** One clock per isolate and region: HLCs stay monotonic across this isolate's requests. */
const clocks = new Map<string, HybridClock>();

export async function buildServices(
  bindings: Record<string, unknown>,
  options: BuildOptions = {},
): Promise<Services> {
  const runtime = isolateRuntime(bindings);
  const { env, base } = runtime;
  const sql = options.pool
    ? { pool: options.pool, close: async () => undefined }
    : connectionsFor(bindings, base);
  try {
    const schema = storeSchema(env, base.region.id);
    const bootstrap = makeStore(sql.pool, schema, base, { keyring: null }, false);
    const effective = await effectiveConfig(
      runtime,
      bootstrap,
      `${env.STORE_DATABASE_URL}#${schema}`,
    );
    const { config, log, keyring, transit } = effective;
    // The registry picks the backend; it builds (and on close releases) its own client or pool.
    const sync = orProblem(() =>
      connectSync(config, { consumer: `${config.region.id}-${isolateId()}`, log }),
    );
    logConfigWarnings(log, sync?.warnings ?? []);
    const transport = sync?.transport ?? null;
    let leases: Services["leases"] | undefined;
    return {
      env,
      config,
      region: config.region.id,
      store: makeStore(
        sql.pool,
        schema,
        config,
        { keyring, transit },
        transport !== null && keyring !== null,
      ),
      transport,
      keyring,
      transitKeyring: transit.keyring,
      // Made on first use: most requests never touch a lease.
      get leases() {
        leases ??= sync
          ? { writer: sync.lease("writer"), scheduler: sync.lease("scheduler") }
          : null;
        return leases;
      },
      log,
      settingsVersion: effective.version,
      configWarnings: [...effective.warnings, ...(sync?.warnings ?? [])],
      settingsErrors: effective.settingsErrors,
      close: async () => {
        await Promise.allSettled([sql.close(), sync?.close()]);
      },
    };
  } catch (error) {
    await sql.close();
    throw error;
  }
}

/** A request's store connections: borrowed from the region's `StorePool` object. */
function connectionsFor(
  bindings: Record<string, unknown>,
  base: MemoriaConfig,
): { pool: SqlPool; close(): Promise<void> } {
  const namespace = (bindings as Partial<Bindings>).STORE_POOL;
  if (!namespace) {
    throw new ProblemError(500, {
      title: "Gateway misconfigured",
      detail: "no STORE_POOL Durable Object binding (class StorePool): see wrangler.jsonc",
    });
  }
  const pool = remoteSqlPool(namespace, base.region.id);
  return { pool, close: () => pool.settled() };
}

/** Names this isolate's Redis consumer; made on first use (no randomness allowed at global scope). */
let isolateName: string | undefined;
function isolateId(): string {
  isolateName ??= crypto.randomUUID().slice(0, 8);
  return isolateName;
}

function makeStore(
  pool: SqlPool,
  schema: string,
  config: MemoriaConfig,
  keys: { keyring: Keyring | null; transit?: TransitSetup },
  publishing: boolean,
): Store {
  const { keyring, transit } = keys;
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
    spaces: { prefix: config.memory.team_namespace_prefix, teams: config.memory.team_spaces },
    // Until the transit keys are read (the bootstrap store migrates only), nothing is sealed or opened.
    ...(transit ? { transit: transit.transit } : {}),
    ...(transit?.keyring ? { transitKeyring: transit.keyring } : {}),
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
