import { type RegionSpec, startTopology, type Topology } from "@memoria/gateway/local/topology";
import { inject } from "vitest";
import "./provided.js";

const API_KEY = "router-test-api-key-0123456789";

/** Real gateways (region-a writer, region-b unless `regions` says) on this run's endpoints, every name unique. */
export function startRegions(prefix: string, regions?: readonly RegionSpec[]): Promise<Topology> {
  const services = inject("localServices");
  return startTopology({
    backend: "redis",
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
