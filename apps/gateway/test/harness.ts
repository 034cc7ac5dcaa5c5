import type { ProvidedServices } from "@memoria/local-services/testing/types";
import { inject } from "vitest";
import { freePortOnLoopback } from "../local/ports.js";
import { type RunningRegion, startRegion } from "../local/region.js";

// This package resolves its own copy of vitest, so it declares the injected context itself.
declare module "vitest" {
  export interface ProvidedContext {
    localServices: ProvidedServices;
  }
}

export const API_KEY = "test-api-key-0123456789abcdef";
export const SIGNING_KEYS = { k1: "gateway-test-signing-key-0123456789abcdef" };

export type Backend = "redis" | "postgres";

export interface TwoRegions {
  id: string;
  backend: Backend;
  a: RunningRegion;
  b: RunningRegion;
  /** Transport settings both regions share, for tests that publish directly. */
  channel: string;
  table: string;
  namespace: string;
  vars: { a: Record<string, string>; b: Record<string, string> };
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return freePortOnLoopback();
}

export interface TwoRegionOptions {
  backend: Backend;
  /** Region B's sync band. @default 0..12 */
  bandB?: { floor: number; ceiling: number };
  extraVars?: Record<string, string>;
}

/**
 * Two gateways (region-a, the writer, full band; region-b, band 0..12) in workerd, each
 * with its own store schema, sharing one transport channel; every name unique to this
 * call so files and runs never see each other's data.
 */
export async function startTwoRegions(options: TwoRegionOptions): Promise<TwoRegions> {
  const services = inject("localServices");
  const id = crypto.randomUUID().replace(/-/g, "").slice(0, 10);
  const channel = `gw-${id}`;
  const table = `gwj_${id}.memoria_sync_events`;
  const namespace = `ns-${id}`;
  const [portA, portB] = [await freePort(), await freePort()];
  const regionsTable = JSON.stringify([
    {
      id: "region-a",
      url: `http://127.0.0.1:${portA}`,
      lat: 39.04,
      lon: -77.49,
      continent: "NA",
      role: "writer",
    },
    { id: "region-b", url: `http://127.0.0.1:${portB}`, lat: 53.35, lon: -6.26, continent: "EU" },
  ]);
  const bandB = options.bandB ?? { floor: 0, ceiling: 12 };
  const common: Record<string, string> = {
    STORE_DATABASE_URL: services.postgresUrl,
    NEON_WS_PROXY: services.neon.wsProxy,
    NEON_FETCH_ENDPOINT: services.neon.fetchEndpoint,
    MEMORIA_MEMORY__NAMESPACE: namespace,
    MEMORIA_SYNC__ENABLED: "true",
    MEMORIA_SYNC__BACKEND: options.backend,
    MEMORIA_SYNC__CONNECTION_URL:
      options.backend === "redis" ? services.upstash.url : services.postgresUrl,
    MEMORIA_SYNC__TOKEN: services.upstash.token,
    MEMORIA_SYNC__CHANNEL: options.backend === "redis" ? channel : channel.replace(/-/g, "_"),
    MEMORIA_SYNC__TABLE: table,
    MEMORIA_SYNC__REALTIME_REPLICATION: "true",
    MEMORIA_SYNC__SIGNING_KEYS: JSON.stringify(SIGNING_KEYS),
    MEMORIA_SYNC__SIGNING_KEY_ID: "k1",
    MEMORIA_API_KEY: API_KEY,
    MEMORIA_REGIONS: regionsTable,
    MEMORIA_SCHEDULER__LEASE_TTL_MS: "5000",
    DECREMENT_TZ: "UTC",
    ...options.extraVars,
  };
  const vars = {
    a: {
      ...common,
      MEMORIA_REGION__ID: "region-a",
      MEMORIA_REGION__ROLE: "writer",
      STORE_SCHEMA: `gwa_${id}`,
    },
    b: {
      ...common,
      MEMORIA_REGION__ID: "region-b",
      MEMORIA_REGION__ROLE: "reader",
      STORE_SCHEMA: `gwb_${id}`,
      MEMORIA_SYNC__PRIVACY_FLOOR: String(bandB.floor),
      MEMORIA_SYNC__PRIVACY_CEILING: String(bandB.ceiling),
    },
  };
  const a = await startRegion({ id: "region-a", port: portA, vars: vars.a });
  const b = await startRegion({ id: "region-b", port: portB, vars: vars.b });
  return {
    id,
    backend: options.backend,
    a,
    b,
    channel: common.MEMORIA_SYNC__CHANNEL as string,
    table,
    namespace,
    vars,
    async stop() {
      await Promise.allSettled([a.stop(), b.stop()]);
    },
  };
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(
    `condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ""}`,
  );
}

export async function call(
  region: RunningRegion,
  path: string,
  init: RequestInit & { json?: unknown; key?: string } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  if (init.key !== undefined) headers.set("x-api-key", init.key);
  return fetch(`${region.url}${path}`, {
    ...init,
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
}
