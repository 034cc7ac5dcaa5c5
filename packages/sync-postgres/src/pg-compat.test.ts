/**
 * The same transport on a plain `pg` Pool (TCP to the real Postgres on 127.0.0.1): the
 * structural `SqlPool` fits both drivers, so Node tools (the CLI) can use it too.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PostgresLeaderLease } from "./lease.js";
import {
  createSchema,
  dropSchema,
  eventually,
  listen,
  memoryEvent,
  randomName,
  settled,
} from "./pg.testkit.js";
import type { SqlPool } from "./sql.js";
import { PostgresTransport } from "./transport.js";
import "@memoria/local-services/testing/provided";

const schema = randomName();
let pool: pg.Pool;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: inject("localServices").postgresUrl, max: 4 });
  await createSchema(pool, schema);
});

afterAll(async () => {
  await dropSchema(pool, schema);
  await pool.end();
});

describe("on a pg Pool", () => {
  it("publishes, pulls, acks, wakes listeners and leases", async () => {
    const typed: SqlPool = pool; // compile-time proof that pg's Pool fits
    const transport = new PostgresTransport({
      pool: typed,
      region: "region-b",
      table: `${schema}.journal`,
      channel: randomName("chan"),
    });
    const wakes: string[] = [];
    const stop = await listen(pool, transport.channel, (cursor) => wakes.push(cursor));
    const events = [memoryEvent(), memoryEvent()];
    const cursors = await transport.publish(events);
    await eventually(async () => (wakes.length > 0 ? true : undefined), { what: "a wake" });
    await stop();
    expect(wakes).toEqual([cursors[1]]);
    await settled(pool, cursors);
    const batch = await transport.pull(10);
    expect(batch.messages.map((m) => m.body)).toEqual(events.map((e) => JSON.stringify(e)));
    await transport.ack(cursors);
    expect((await transport.health()).lagEvents).toBe(0);

    const lease = new PostgresLeaderLease({ pool, table: `${schema}.journal` });
    const held = await lease.acquire("region-b", 1_000);
    expect(held?.token).toBe(1);
    expect(await lease.current()).toEqual(held);
  });
});
