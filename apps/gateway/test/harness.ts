import type { ProvidedServices } from "@memoria/local-services/testing/types";
import { inject } from "vitest";
import type { RunningRegion } from "../local/region.js";
import { type Backend, type RegionSpec, startTopology, type Topology } from "../local/topology.js";

// This package resolves its own copy of vitest, so it declares the injected context itself.
declare module "vitest" {
  export interface ProvidedContext {
    localServices: ProvidedServices;
  }
}

export type { Backend };
export const API_KEY = "test-api-key-0123456789abcdef";
export const SIGNING_KEYS = { k1: "gateway-test-signing-key-0123456789abcdef" };

export interface Regions extends Topology {
  id: string;
  backend: Backend;
}

/** Gateways (region-a writer, region-b band 0..12 unless `regions` says) on the test run's endpoints, all names unique. */
export async function startRegions(options: {
  backend: Backend;
  regions?: readonly RegionSpec[];
}): Promise<Regions> {
  const services = inject("localServices");
  const id = crypto.randomUUID().replace(/-/g, "").slice(0, 10);
  const topology = await startTopology({
    backend: options.backend,
    endpoints: {
      upstash: services.upstash,
      neon: services.neon,
      postgresUrl: services.postgresUrl,
    },
    id,
    apiKey: API_KEY,
    signingKeys: SIGNING_KEYS,
    ...(options.regions ? { regions: options.regions } : {}),
    // Short leases, so tests can watch leadership move (the lease must outlive one tick
    // interval, and tests drive the ticks).
    extraVars: {
      MEMORIA_SCHEDULER__INTERVAL_MS: "4000",
      MEMORIA_SCHEDULER__LEASE_TTL_MS: "5000",
    },
  });
  return Object.assign(topology, { id, backend: options.backend });
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

/**
 * A request to a region as a client sends it: with the root key unless `key` names
 * another (or `null`, none at all — every route but `/healthz` and `/sync/wake` then 401s).
 */
export async function call(
  region: RunningRegion,
  path: string,
  init: RequestInit & { json?: unknown; key?: string | null } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const key = init.key === undefined ? API_KEY : init.key;
  if (key !== null && !headers.has("authorization")) headers.set("x-api-key", key);
  return fetch(`${region.url}${path}`, {
    ...init,
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
}
