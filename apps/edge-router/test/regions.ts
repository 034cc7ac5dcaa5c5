import { type RegionSpec, startTopology, type Topology } from "@memoria/gateway/local/topology";
import type { SyncBackend } from "@memoria/sync-core";
import { inject } from "vitest";
import { type RunningRouter, startRouter } from "../local/router.js";
import "./provided.js";

export const API_KEY = "router-test-api-key-0123456789";

/** Real gateways (region-a writer, region-b unless `regions` says) on this run's endpoints, every name unique. */
export function startRegions(
  prefix: string,
  regions?: readonly RegionSpec[],
  backend: SyncBackend = "redis",
): Promise<Topology> {
  const services = inject("localServices");
  return startTopology({
    backend,
    endpoints: {
      upstash: services.upstash,
      neon: services.neon,
      postgresUrl: services.postgresUrl,
    },
    id: `${prefix}${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`,
    apiKey: API_KEY,
    signingKeys: { k1: "router-test-signing-key-0123456789abcdef" },
    ...(regions ? { regions } : {}),
  });
}

/**
 * The router in front of `topology`, tuned for tests (a failed region is probed again after
 * a second, not ten), with one probe round done so it starts knowing every region.
 */
export async function startTestRouter(topology: Topology): Promise<RunningRouter> {
  const router = await startRouter({
    regions: topology.regionTable,
    apiKey: topology.apiKey,
    monitorKey: topology.monitorKey,
    vars: {
      MEMORIA_ROUTER__BREAKER_COOLDOWN_MS: "1000",
      MEMORIA_ROUTER__PROBE_INTERVAL_MS: "500",
      MEMORIA_ROUTER__REQUEST_TIMEOUT_MS: "3000",
    },
  });
  await router.scheduled();
  return router;
}
