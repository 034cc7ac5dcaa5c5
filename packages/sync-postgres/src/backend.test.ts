import { loadConfig } from "@memoria/sync-core";
import type { Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresLeaseFromConfig, postgresTransportFromConfig } from "./config.js";
import { configureNeon, neonPool } from "./node.testkit.js";
import {
  createSchema,
  dropSchema,
  eventually,
  memoryEvent,
  randomName,
  settled,
  sql,
} from "./pg.testkit.js";

const schema = randomName();
let pool: Pool;

beforeAll(async () => {
  configureNeon();
  pool = neonPool(4);
  await createSchema(pool, schema);
});

afterAll(async () => {
  await dropSchema(pool, schema);
  await pool.end();
});

describe("postgresTransportFromConfig", () => {
  it("reads sync.table, sync.channel and region.id from the loaded config", async () => {
    const channel = `memoria-${randomName("c")}`;
    const { config } = loadConfig({
      toml: `[sync]\nenabled = true\nbackend = "postgres"\nconnection_url = "postgresql://x@127.0.0.1/test"\n[region]\nid = "eu-west"\n`,
      env: { MEMORIA_SYNC__TABLE: `${schema}.events`, MEMORIA_SYNC__CHANNEL: channel },
    });
    const transport = postgresTransportFromConfig(config, { pool, claimIdleMs: 0 });
    expect(transport.backend).toBe("postgres");
    expect(transport.region).toBe("eu-west");
    expect(transport.channel).toBe(channel);
    expect(transport.names.journal).toBe(`"${schema}"."events"`);

    const wakes: string[] = [];
    const stop = await transport.listen((cursor) => wakes.push(cursor));
    try {
      const [cursor] = await transport.publish([memoryEvent()]);
      await eventually(async () => (wakes.length > 0 ? true : undefined), { what: "a wake" });
      expect(wakes).toEqual([cursor]);
    } finally {
      await stop();
    }
    await settled(pool, wakes);
    const other = postgresTransportFromConfig(config, { pool, region: "us-east" });
    expect((await other.pull(5)).messages).toHaveLength(1);
    const regions = await sql(pool, `select region from "${schema}".events_cursors`);
    expect(regions.map((r) => r.region)).toEqual(["us-east"]);

    const lease = postgresLeaseFromConfig(config, { pool, name: "decrement" });
    expect((await lease.acquire("eu-west", config.scheduler.lease_ttl_ms))?.token).toBe(1);
    expect(lease.names.leases).toBe(`"${schema}"."events_leases"`);
  });

  it("refuses a config whose backend is not postgres", () => {
    const { config } = loadConfig({});
    expect(() => postgresTransportFromConfig(config, { pool })).toThrow(/sync.backend is "none"/);
  });
});
