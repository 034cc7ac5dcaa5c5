import type { SyncBackend } from "@memoria/sync-core";
import { type LocalEndpoints, syncBackends } from "@memoria/transports";
import { freePortOnLoopback } from "./ports.js";
import { type RunningRegion, startRegion } from "./region.js";

export type { LocalEndpoints };
/** A registered backend's name (`@memoria/transports`). */
export type Backend = SyncBackend;

export interface TopologyOptions {
  backend: Backend;
  endpoints: LocalEndpoints;
  /** Names unique to this topology (channel, tables, schemas, namespace). */
  id: string;
  namespace?: string;
  /** The root admin key (`MEMORIA_API_KEY`) of both regions. */
  apiKey: string;
  /** `auth.monitor_key` of both regions (give the router the same). @default `<apiKey>-monitor` */
  monitorKey?: string;
  signingKeys: Record<string, string>;
  /** Region B's sync band. @default 0..12 */
  bandB?: { floor: number; ceiling: number };
  ports?: { a?: number; b?: number };
  extraVars?: Record<string, string>;
  /** Vars for one region only (e.g. its own transport endpoint, for a drill that cuts it off). */
  varsA?: Record<string, string>;
  varsB?: Record<string, string>;
}

export interface Topology {
  a: RunningRegion;
  b: RunningRegion;
  vars: { a: Record<string, string>; b: Record<string, string> };
  channel: string;
  table: string;
  namespace: string;
  apiKey: string;
  monitorKey: string;
  stop(): Promise<void>;
}

/**
 * Dev/test only: two gateways in workerd on loopback ports — region-a (writer, full
 * band) and region-b (band 0..12 by default) — each with its own store schema, sharing
 * one transport channel. Used by the tests, `pnpm start` and the benchmarks.
 */
export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const { id } = options;
  const channel = `memoria_sync_${id}`;
  const table = `sync_${id}.memoria_sync_events`;
  const namespace = options.namespace ?? `ns-${id}`;
  const ports = {
    a: await freePortOnLoopback(options.ports?.a ?? 0),
    b: await freePortOnLoopback(options.ports?.b ?? 0),
  };
  const common = commonVars(options, { channel, table, namespace, ports });
  const bandB = options.bandB ?? { floor: 0, ceiling: 12 };
  const vars = {
    a: {
      ...common,
      MEMORIA_REGION__ID: "region-a",
      MEMORIA_REGION__ROLE: "writer",
      STORE_SCHEMA: `store_a_${id}`,
      ...options.varsA,
    },
    b: {
      ...common,
      MEMORIA_REGION__ID: "region-b",
      MEMORIA_REGION__ROLE: "reader",
      STORE_SCHEMA: `store_b_${id}`,
      MEMORIA_SYNC__PRIVACY_FLOOR: String(bandB.floor),
      MEMORIA_SYNC__PRIVACY_CEILING: String(bandB.ceiling),
      ...options.varsB,
    },
  };
  const a = await startRegion({ id: "region-a", port: ports.a, vars: vars.a });
  const b = await startRegion({ id: "region-b", port: ports.b, vars: vars.b }).catch(
    async (error) => {
      await a.stop();
      throw error;
    },
  );
  const topology: Topology = {
    a,
    b,
    vars,
    channel,
    table,
    namespace,
    apiKey: options.apiKey,
    monitorKey: monitorKeyOf(options),
    async stop() {
      await Promise.allSettled([topology.a.stop(), topology.b.stop()]);
    },
  };
  return topology;
}

function monitorKeyOf(options: TopologyOptions): string {
  return options.monitorKey ?? `${options.apiKey}-monitor`;
}

/** Vars both regions share: the store, the backend's local endpoint (from the registry), keys, the region table. */
function commonVars(
  options: TopologyOptions,
  names: { channel: string; table: string; namespace: string; ports: { a: number; b: number } },
): Record<string, string> {
  const { endpoints } = options;
  const regions = [
    {
      id: "region-a",
      url: `http://127.0.0.1:${names.ports.a}`,
      lat: 39.04,
      lon: -77.49,
      continent: "NA",
      role: "writer",
    },
    {
      id: "region-b",
      url: `http://127.0.0.1:${names.ports.b}`,
      lat: 53.35,
      lon: -6.26,
      continent: "EU",
    },
  ];
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
    MEMORIA_REGIONS: JSON.stringify(regions),
    DECREMENT_TZ: "UTC",
    ...options.extraVars,
  };
}
