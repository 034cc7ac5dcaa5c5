import { generateTransitKey, type SyncBackend, type TransitKeyPair } from "@memoria/sync-core";
import { type LocalEndpoints, syncBackends } from "@memoria/transports";
import { freePortOnLoopback } from "./ports.js";
import { type RunningRegion, startRegion } from "./region.js";
import { FULL_BAND, type RegionSpec, type StartedRegionSpec, TWO_REGIONS } from "./region-specs.js";

export {
  type Band,
  type Continent,
  DEMO_REGIONS,
  demoRegions,
  FULL_BAND,
  type RegionRole,
  type RegionSpec,
  regionsWith,
  type StartedRegionSpec,
  TWO_REGIONS,
} from "./region-specs.js";
export type { LocalEndpoints, TransitKeyPair };
/** A registered backend's name (`@memoria/transports`). */
export type Backend = SyncBackend;

export interface TopologyOptions {
  backend: Backend;
  endpoints: LocalEndpoints;
  /** Names unique to this topology (channel, tables, schemas, namespace). */
  id: string;
  namespace?: string;
  /** The root admin key (`MEMORIA_API_KEY`) of every region. */
  apiKey: string;
  /** `auth.monitor_key` of every region (give the router the same). @default `<apiKey>-monitor` */
  monitorKey?: string;
  signingKeys: Record<string, string>;
  /** @default TWO_REGIONS */
  regions?: readonly RegionSpec[];
  /** Vars every region gets (a region's own `vars` win). */
  extraVars?: Record<string, string>;
  /** `sync.transit_encryption`; every region gets a transit key either way. @default "sealed" */
  transit?: "sealed" | "clear";
}

/** One row of the region table (`MEMORIA_REGIONS`), as every region and the router read it. */
export interface RegionRow {
  id: string;
  url: string;
  lat: number;
  lon: number;
  continent: string;
  role: "writer" | "reader";
  privacy_floor: number;
  privacy_ceiling: number;
  team_spaces: string[];
  transit_key: string;
}

export interface Topology {
  /** In the order of the specs; `restart` replaces an entry. */
  regions: RunningRegion[];
  /** The running region `id` (throws for an id the topology does not have). */
  region(id: string): RunningRegion;
  specs: StartedRegionSpec[];
  /** Region id → the vars it runs with. */
  vars: Record<string, Record<string, string>>;
  /** Region id → its transit key pair (private half in its vars, public half in the table). */
  transitKeys: Record<string, TransitKeyPair>;
  /** Every region, as `MEMORIA_REGIONS` lists them: what the router needs. */
  regionTable: RegionRow[];
  channel: string;
  table: string;
  namespace: string;
  apiKey: string;
  monitorKey: string;
  /** Starts region `id` again on its port with its vars (stopping it first if it runs). */
  restart(id: string): Promise<RunningRegion>;
  stop(): Promise<void>;
}

const TRANSIT_KEY_ID = "t1";

/**
 * Dev/test only: gateways in workerd on loopback ports, one per spec (region-a writer and
 * region-b reader 0..12 by default), each with its own store schema and transit key, all
 * sharing one transport channel and listing each other in the region table. Used by the
 * tests, `pnpm start` and the benchmarks.
 */
export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const { id } = options;
  const names = {
    channel: `memoria_sync_${id}`,
    table: `sync_${id}.memoria_sync_events`,
    namespace: options.namespace ?? `ns-${id}`,
  };
  const specs = await withDefaults(options.regions ?? TWO_REGIONS);
  const transitKeys = Object.fromEntries(
    await Promise.all(
      specs.map(async (spec) => [spec.id, await generateTransitKey(TRANSIT_KEY_ID)] as const),
    ),
  );
  const regionTable = specs.map((spec) => rowOf(spec, transitKeys[spec.id] as TransitKeyPair));
  const common = commonVars(options, { ...names, regionTable });
  const vars = Object.fromEntries(
    specs.map((spec) => [
      spec.id,
      regionVars(spec, { ...options, common, transitKey: transitKeys[spec.id] as TransitKeyPair }),
    ]),
  );
  const regions = await startAll(
    specs.map((spec) => ({
      id: spec.id,
      port: spec.port,
      vars: vars[spec.id] as Record<string, string>,
    })),
  );
  return topologyOver(specs, regions, {
    ...names,
    vars,
    transitKeys,
    regionTable,
    apiKey: options.apiKey,
    monitorKey: monitorKeyOf(options),
  });
}

/** The running regions with their facts, and the means to restart one or stop them all. */
function topologyOver(
  specs: StartedRegionSpec[],
  regions: RunningRegion[],
  facts: Omit<Topology, "regions" | "region" | "specs" | "restart" | "stop">,
): Topology {
  const indexOf = (regionId: string) => {
    const index = specs.findIndex((spec) => spec.id === regionId);
    if (index < 0)
      throw new RangeError(
        `no region ${regionId} in this topology (${specs.map((s) => s.id).join(", ")})`,
      );
    return index;
  };
  return {
    ...facts,
    regions,
    region: (regionId) => regions[indexOf(regionId)] as RunningRegion,
    specs,
    async restart(regionId) {
      const index = indexOf(regionId);
      const spec = specs[index] as StartedRegionSpec;
      await (regions[index] as RunningRegion).stop();
      regions[index] = await startRegion({
        id: spec.id,
        port: spec.port,
        vars: facts.vars[spec.id] as Record<string, string>,
      });
      return regions[index] as RunningRegion;
    },
    async stop() {
      await Promise.allSettled(regions.map((region) => region.stop()));
    },
  };
}

/** Roles, bands, spaces and ports filled in; ports picked one after another so no two collide. */
async function withDefaults(specs: readonly RegionSpec[]): Promise<StartedRegionSpec[]> {
  const ids = new Set(specs.map((spec) => spec.id));
  if (specs.length === 0 || ids.size !== specs.length)
    throw new RangeError(
      `a topology needs regions with distinct ids: ${specs.map((s) => s.id).join(", ")}`,
    );
  const taken = new Set<number>();
  const started: StartedRegionSpec[] = [];
  for (const [index, spec] of specs.entries()) {
    const port = await distinctPort(spec.port ?? 0, taken);
    started.push({
      ...spec,
      role: spec.role ?? (index === 0 ? "writer" : "reader"),
      band: spec.band ?? FULL_BAND,
      teamSpaces: spec.teamSpaces ?? ["*"],
      port,
    });
  }
  return started;
}

async function distinctPort(preferred: number, taken: Set<number>): Promise<number> {
  // A random free port can repeat one picked for an earlier region (not bound yet); bounded retries.
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = await freePortOnLoopback(attempt === 0 ? preferred : 0);
    if (!taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no distinct free port after ${[...taken].join(", ")}`);
}

/**
 * All regions at once: on this 2-core machine no slower than one after another (2 regions
 * ~0.7 s either way, 6 regions ~2.0-2.3 s against ~2.3-2.5 s); on any failure the ones
 * that did start are stopped before the error is thrown.
 */
async function startAll(
  regions: { id: string; port: number; vars: Record<string, string> }[],
): Promise<RunningRegion[]> {
  const results = await Promise.allSettled(regions.map((region) => startRegion(region)));
  const failed = results.find((result) => result.status === "rejected");
  if (failed === undefined)
    return results.map((result) => (result as PromiseFulfilledResult<RunningRegion>).value);
  await Promise.allSettled(
    results.map((result) => (result.status === "fulfilled" ? result.value.stop() : undefined)),
  );
  throw failed.reason;
}

function rowOf(spec: StartedRegionSpec, transitKey: TransitKeyPair): RegionRow {
  return {
    id: spec.id,
    url: `http://127.0.0.1:${spec.port}`,
    lat: spec.place.lat,
    lon: spec.place.lon,
    continent: spec.place.continent,
    role: spec.role,
    privacy_floor: spec.band.floor,
    privacy_ceiling: spec.band.ceiling,
    team_spaces: spec.teamSpaces,
    transit_key: transitKey.publicKey,
  };
}

/** What makes one region itself; its own row in the table must say the same (config checks). */
function regionVars(
  spec: StartedRegionSpec,
  context: TopologyOptions & { common: Record<string, string>; transitKey: TransitKeyPair },
): Record<string, string> {
  const { transitKey } = context;
  return {
    ...context.common,
    MEMORIA_REGION__ID: spec.id,
    MEMORIA_REGION__ROLE: spec.role,
    STORE_SCHEMA: `store_${schemaStem(spec.id)}_${context.id}`,
    MEMORIA_SYNC__PRIVACY_FLOOR: String(spec.band.floor),
    MEMORIA_SYNC__PRIVACY_CEILING: String(spec.band.ceiling),
    MEMORIA_MEMORY__TEAM_SPACES: JSON.stringify(spec.teamSpaces),
    MEMORIA_SYNC__TRANSIT_ENCRYPTION: context.transit ?? "sealed",
    MEMORIA_SYNC__TRANSIT_KEYS: JSON.stringify({ [transitKey.keyId]: transitKey.privateKey }),
    MEMORIA_SYNC__TRANSIT_KEY_ID: transitKey.keyId,
    ...spec.vars,
  };
}

/** `a` for `region-a` (today's schema names), else the id as an identifier. */
function schemaStem(regionId: string): string {
  return regionId
    .replace(/^region-/, "")
    .replace(/[^a-z0-9_]/gi, "_")
    .toLowerCase();
}

function monitorKeyOf(options: TopologyOptions): string {
  return options.monitorKey ?? `${options.apiKey}-monitor`;
}

/** Vars every region shares: the store, the backend's local endpoint (from the registry), keys, the region table. */
function commonVars(
  options: TopologyOptions,
  names: { channel: string; table: string; namespace: string; regionTable: RegionRow[] },
): Record<string, string> {
  const { endpoints } = options;
  return {
    STORE_DATABASE_URL: endpoints.postgresUrl,
    NEON_WS_PROXY: endpoints.neon.wsProxy,
    NEON_FETCH_ENDPOINT: endpoints.neon.fetchEndpoint,
    MEMORIA_MEMORY__NAMESPACE: names.namespace,
    MEMORIA_SYNC__ENABLED: "true",
    MEMORIA_SYNC__BACKEND: options.backend,
    ...syncBackends[options.backend].localVars(endpoints),
    MEMORIA_SYNC__CHANNEL: names.channel,
    MEMORIA_SYNC__TABLE: names.table,
    MEMORIA_SYNC__REALTIME_REPLICATION: "true",
    MEMORIA_SYNC__SIGNING_KEYS: JSON.stringify(options.signingKeys),
    MEMORIA_SYNC__SIGNING_KEY_ID: Object.keys(options.signingKeys)[0] as string,
    MEMORIA_API_KEY: options.apiKey,
    MEMORIA_AUTH__MONITOR_KEY: monitorKeyOf(options),
    MEMORIA_REGIONS: JSON.stringify(names.regionTable),
    DECREMENT_TZ: "UTC",
    ...options.extraVars,
  };
}
