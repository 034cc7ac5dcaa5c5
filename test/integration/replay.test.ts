import { createKeyring, parseEvent, SYNC_BACKENDS, type SyncEvent } from "@memoria/sync-core";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  KEYS,
  makeRegion,
  postgresTransports,
  redisTransports,
  storePool,
  uid,
} from "./support.js";

/** `sync catch-up --since`: replaying the past re-applies nothing twice. */

const pool = storePool();
const schemas: string[] = [];
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers) await close();
  for (const schema of schemas) await pool.query(`drop schema if exists "${schema}" cascade`);
  await pool.end();
});

for (const backend of SYNC_BACKENDS) {
  describe(`replaySince over ${backend}`, () => {
    it("returns what was published since a time, and applying it again changes nothing", async () => {
      const id = uid();
      const transports =
        backend === "redis"
          ? redisTransports(`it:${id}:replay`, inject("localServices").upstash)
          : postgresTransports(`itr_${id}.memoria_sync_events`);
      closers.push(() => transports.close());
      if (backend === "postgres") schemas.push(`itr_${id}`);
      schemas.push(`rp_a_${id}`, `rp_b_${id}`);
      const a = await makeRegion(pool, "region-a", `rp-${id}`, `rp_a_${id}`);
      const b = await makeRegion(pool, "region-b", `rp-${id}`, `rp_b_${id}`);
      const keyring = await createKeyring(KEYS);
      const toA = transports("region-a");
      const toB = transports("region-b");

      for (let i = 0; i < 30; i++) await a.createMemory({ text: `before ${i}`, y: 3 });
      await a.relayOutbox(toA);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const since = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (let i = 0; i < 20; i++) await a.createMemory({ text: `after ${i}`, y: 3 });
      await a.relayOutbox(toA);
      for (let guard = 0; guard < 20; guard++)
        if ((await b.consumeOnce(toB, keyring, 500)).pulled === 0) break;
      const appliedBefore = (await b.counters()).find(
        (c) => c.name === "sync_events_applied_total",
      )?.value;
      expect(appliedBefore).toBe(50);

      const replay = await toB.replaySince(since, { limit: 1_000 });
      const events = replay.messages.map((m) => {
        const parsed = parseEvent(m.body);
        if (!parsed.success) throw new Error("bad body");
        return parsed.data as SyncEvent;
      });
      expect(events.map((e) => e.payload?.text)).toEqual(
        Array.from({ length: 20 }, (_, i) => `after ${i}`),
      );
      const report = await b.applyEvents(events);
      expect(report.counts.duplicate).toBe(20);
      expect(report.counts.applied).toBe(0);
      const appliedAfter = (await b.counters()).find(
        (c) => c.name === "sync_events_applied_total",
      )?.value;
      expect(appliedAfter).toBe(50);
      // Replay moved no cursor: nothing new is pending for B.
      expect((await toB.pull(10)).messages).toEqual([]);
    });
  });
}
