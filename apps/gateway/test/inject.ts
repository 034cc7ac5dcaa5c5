import { configureNeonForLocal } from "@memoria/local-services/client";
import type { SyncEvent, SyncTransport } from "@memoria/sync-core";
import { PostgresTransport } from "@memoria/sync-postgres";
import { createRedisTransport } from "@memoria/sync-redis";
import { neonConfig, Pool } from "@neondatabase/serverless";
import { inject } from "vitest";
import ws from "ws";
import type { TwoRegions } from "./harness.js";

/**
 * A publisher outside the gateways, on the regions' own channel: how a test puts a
 * forged, unsigned or foreign event in front of them.
 */
export function injector(regions: TwoRegions): {
  publish(events: SyncEvent[]): Promise<string[]>;
  close(): Promise<void>;
} {
  const services = inject("localServices");
  if (regions.backend === "redis") {
    const transport: SyncTransport = createRedisTransport({
      redis: services.upstash,
      stream: regions.channel,
      group: "test-injector",
    });
    return { publish: (events) => transport.publish(events), close: async () => undefined };
  }
  configureNeonForLocal(neonConfig, services.neon, { webSocketConstructor: ws });
  const pool = new Pool({ connectionString: services.postgresUrl, max: 2 });
  const transport = new PostgresTransport({
    pool,
    region: "test-injector",
    table: regions.table,
    channel: regions.channel,
  });
  return { publish: (events) => transport.publish(events), close: () => pool.end() };
}
