/**
 * Inside workerd, where the gateway runs: the Neon driver over workerd's own WebSocket to
 * the local endpoint. Every test builds its pool and ends it (a pool belongs to one
 * request in Workers), and works in a schema of its own.
 */
import { configureNeonForLocal } from "@memoria/local-services/client";
import { neonConfig, Pool } from "@neondatabase/serverless";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { PostgresLeaderLease } from "./lease.js";
import {
  createSchema,
  dropSchema,
  eventually,
  listen,
  memoryEvent,
  randomName,
  settled,
  sleep,
} from "./pg.testkit.js";
import { PostgresTransport } from "./transport.js";
import "@memoria/local-services/testing/provided";

beforeAll(() => {
  configureNeonForLocal(neonConfig, inject("localServices").neon);
});

/** A pool and a schema for one test, both gone afterwards. */
async function withSchema(body: (pool: Pool, schema: string) => Promise<void>): Promise<void> {
  const pool = new Pool({ connectionString: inject("localServices").postgresUrl, max: 4 });
  const schema = randomName();
  try {
    await createSchema(pool, schema);
    await body(pool, schema);
  } finally {
    await dropSchema(pool, schema);
    await pool.end();
  }
}

describe("PostgresTransport in workerd", () => {
  it("runs inside workerd (no nodejs_compat)", () => {
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
  });

  it("publishes, pulls, re-delivers what was not acked, acks, reports health", async () => {
    await withSchema(async (pool, schema) => {
      const t = new PostgresTransport({
        pool,
        region: "region-b",
        table: `${schema}.journal`,
        claimIdleMs: 0,
      });
      const events = [memoryEvent(), memoryEvent(), memoryEvent()];
      const cursors = await t.publish(events);
      await settled(pool, cursors);
      expect(await t.publish([events[0] as (typeof events)[0]])).toEqual([cursors[0]]);
      const first = await t.pull(10);
      expect(first.messages.map((m) => m.body)).toEqual(events.map((e) => JSON.stringify(e)));
      const again = await t.pull(10);
      expect(again.messages.map((m) => m.deliveries)).toEqual([2, 2, 2]);
      await t.ack([cursors[2] as string, cursors[0] as string]);
      expect((await t.pull(10)).messages.map((m) => m.cursor)).toEqual([cursors[1]]);
      const health = await t.health();
      expect(health).toMatchObject({ reachable: true, lagEvents: 1 });
      await t.ack([cursors[1] as string]);
      expect((await t.health()).lagEvents).toBe(0);
      expect((await t.replaySince(0)).messages.map((m) => m.cursor)).toEqual(cursors);
    });
  });

  it("does not pass a row whose transaction commits late", async () => {
    await withSchema(async (pool, schema) => {
      const table = `${schema}.journal`;
      const consumer = new PostgresTransport({ pool, region: "region-b", table, claimIdleMs: 0 });
      await consumer.ensure();
      const slow = await pool.connect();
      try {
        await slow.query("begin");
        const event = memoryEvent();
        await slow.query(
          `insert into ${table} (event_id, namespace, origin, action, privacy, hlc, body, created_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            event.id,
            event.namespace,
            event.origin,
            event.action,
            event.privacy,
            event.hlc,
            JSON.stringify(event),
            event.created_at,
          ],
        );
        const [later] = await consumer.publish([memoryEvent()]);
        expect((await consumer.pull(10)).messages).toEqual([]);
        await slow.query("commit");
        await settled(pool, [later as string]);
        const delivered = await eventually(async () => {
          const batch = await consumer.pull(10);
          return batch.messages.length > 0 ? batch.messages : undefined;
        });
        expect(delivered.map((m) => m.body)).toEqual([JSON.stringify(event), expect.any(String)]);
        expect(delivered[1]?.cursor).toBe(later);
      } finally {
        slow.release();
      }
    });
  });

  it("wakes a LISTEN after a publish from another client", async () => {
    await withSchema(async (pool, schema) => {
      const table = `${schema}.journal`;
      const channel = randomName("wake");
      const listener = new PostgresTransport({ pool, region: "region-b", table, channel });
      await listener.ensure();
      const wakes: string[] = [];
      const stop = await listen(pool, channel, (cursor) => wakes.push(cursor));
      const other = new Pool({ connectionString: inject("localServices").postgresUrl, max: 1 });
      try {
        const publisher = new PostgresTransport({
          pool: other,
          region: "region-a",
          table,
          channel,
        });
        const [cursor] = await publisher.publish([memoryEvent()]);
        await eventually(async () => (wakes.length > 0 ? true : undefined), { what: "a wake" });
        expect(wakes).toEqual([cursor]);
      } finally {
        await stop();
        await other.end();
      }
    });
  });

  it("holds a fenced lease", async () => {
    await withSchema(async (pool, schema) => {
      const lease = new PostgresLeaderLease({ pool, table: `${schema}.journal` });
      const a = await lease.acquire("region-a", 60);
      expect(a?.token).toBe(1);
      expect(await lease.acquire("region-b", 1_000)).toBeNull();
      const renewed = await lease.renew(a as NonNullable<typeof a>, 1_000);
      expect(renewed?.token).toBe(1);
      const seized = await lease.seize("region-b", 60);
      expect(seized.token).toBe(2);
      expect(await lease.release(renewed as NonNullable<typeof renewed>)).toBe(false);
      await sleep(120);
      expect(await lease.current()).toBeNull();
      expect((await lease.acquire("region-a", 1_000))?.token).toBe(3);
    });
  });
});
