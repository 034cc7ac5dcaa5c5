import { configureNeonForLocal } from "@memoria/local-services/client";
import {
  formatHlc,
  newEventId,
  type SyncEvent,
  type SyncTransport,
  type UnsignedSyncEvent,
} from "@memoria/sync-core";
import { PostgresTransport } from "@memoria/sync-postgres";
import { createRedisTransport } from "@memoria/sync-redis";
import { neonConfig, Pool } from "@neondatabase/serverless";
import { inject } from "vitest";
import ws from "ws";
import type { Regions } from "./harness.js";

/**
 * A publisher outside the gateways, on the regions' own channel: how a test puts a
 * forged, unsigned or foreign event in front of them.
 */
export function injector(regions: Regions): {
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

/** A create of a y = 5 memory as region-a would publish it, before signing; `overrides` change it. */
export function unsignedCreate(
  regions: Regions,
  overrides: Partial<UnsignedSyncEvent> = {},
  wall = Date.now(),
): UnsignedSyncEvent {
  return {
    v: 1,
    id: newEventId(wall),
    action: "memory.created",
    entity_type: "memory",
    entity_id: newEventId(wall),
    namespace: regions.namespace,
    origin: "region-a",
    hlc: formatHlc({ wall, counter: 0, node: "region-a" }),
    privacy: 5,
    created_at: new Date(wall).toISOString(),
    payload: {
      text: "injected",
      x: 0,
      y: 5,
      z: 0,
      anchor: "",
      tokens: 0,
      symbolic_anchors: [],
      team: null,
      timestamp: new Date(wall).toISOString(),
    },
    ...overrides,
  };
}
