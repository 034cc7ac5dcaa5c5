import { startUpstashEndpoint } from "@memoria/local-services";
import type { Store } from "@memoria/store";
import { createKeyring, SYNC_BACKENDS, type SyncTransport } from "@memoria/sync-core";
import { afterAll, describe, expect, inject, it } from "vitest";
import {
  type Backend,
  Crash,
  crashing,
  JOURNAL_APP,
  KEYS,
  makeRegion,
  mulberry32,
  postgresTransports,
  redisTransports,
  setJournalReachable,
  sleep,
  storePool,
  type TransportFactory,
  uid,
} from "./support.js";

/**
 * DESIGN §4.3/4.4 end to end: writes from four concurrent publisher regions travel
 * store → outbox → transport → a consumer region that is killed at random points
 * (after pulling, or after applying but before acking) and restarted as a new consumer.
 * Every event must end applied exactly once.
 */

const pool = storePool();
const schemas: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  for (const schema of schemas) await pool.query(`drop schema if exists "${schema}" cascade`);
  await pool.end();
});

interface Scenario {
  backend: Backend;
  publishers: number;
  perPublisher: number;
  /** Cut the transport for this long while the publishers write. */
  outageMs?: number;
  crashRate: number;
}

async function transportsFor(
  backend: Backend,
  id: string,
): Promise<TransportFactory & { down(): Promise<void>; up(): Promise<void> }> {
  if (backend === "postgres") {
    const table = `itj_${id}.memoria_sync_events`;
    schemas.push(`itj_${id}`);
    const factory = postgresTransports(table);
    cleanups.push(() => factory.close());
    return Object.assign(factory, {
      down: async () => {
        setJournalReachable(false);
        // Open connections die too, as they would when the journal's server goes away.
        await pool.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
          [JOURNAL_APP],
        );
      },
      up: async () => setJournalReachable(true),
    });
  }
  // A dedicated Upstash endpoint, so the test can take it away and bring it back on the same port.
  const { redisUrl, upstash } = inject("localServices");
  let endpoint = await startUpstashEndpoint({ redisUrl, token: upstash.token });
  const port = endpoint.port;
  const factory = redisTransports(`it:${id}:memoria-sync`, {
    url: endpoint.url,
    token: endpoint.token,
  });
  cleanups.push(() => endpoint.close());
  return Object.assign(factory, {
    down: async () => endpoint.close(),
    up: async () => {
      endpoint = await startUpstashEndpoint({ redisUrl, token: upstash.token, port });
    },
  });
}

async function appliedCount(store: Store): Promise<number> {
  const counters = await store.counters();
  return counters
    .filter((c) => c.name === "sync_events_applied_total")
    .reduce((sum, c) => sum + c.value, 0);
}

async function run(scenario: Scenario) {
  const id = uid();
  const namespace = `nl-${id}`;
  const transports = await transportsFor(scenario.backend, id);
  const publishers: Store[] = [];
  for (let i = 0; i < scenario.publishers; i++) {
    schemas.push(`nl_p${i}_${id}`);
    publishers.push(await makeRegion(pool, `pub-${i}`, namespace, `nl_p${i}_${id}`));
  }
  schemas.push(`nl_c_${id}`);
  const consumer = await makeRegion(pool, "consumer", namespace, `nl_c_${id}`);
  const keyring = await createKeyring(KEYS);
  const total = scenario.publishers * scenario.perPublisher;
  const rng = mulberry32(Number.parseInt(id.slice(0, 8), 16));

  let writing = true;
  const relayErrors: string[] = [];
  const publish = async (store: Store, index: number) => {
    const transport = transports(`pub-${index}`);
    for (let n = 0; n < scenario.perPublisher; n++) {
      await store.createMemory({ text: `p${index}-${n}`, y: (n % 31) - 15, x: n });
      if (n % 50 === 49) {
        const report = await store.relayOutbox(transport, { limit: 500 });
        if (report.error) relayErrors.push(report.error);
      }
    }
  };
  const writers = Promise.all(publishers.map(publish)).finally(() => {
    writing = false;
  });

  const outage = (async () => {
    if (!scenario.outageMs) return;
    await sleep(300);
    await transports.down();
    await sleep(scenario.outageMs);
    await transports.up();
  })();

  // The consumer: restarted as a brand-new consumer every time it is killed.
  let restarts = 0;
  let transportErrors = 0;
  const consume = (async () => {
    let transport: SyncTransport = crashing(transports("consumer"), rng, scenario.crashRate);
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      try {
        const step = await consumer.consumeOnce(transport, keyring, 100);
        if (step.pulled === 0) {
          if (!writing && (await appliedCount(consumer)) >= total) return;
          await sleep(20);
        }
      } catch (error) {
        if (error instanceof Crash) {
          restarts += 1;
          transport = crashing(transports("consumer"), rng, scenario.crashRate);
        } else {
          transportErrors += 1;
          await sleep(50);
        }
      }
    }
  })();

  await writers;
  await outage;
  // Drain every outbox once the transport is back (the relay also runs in the consumer's region in production).
  for (const [index, store] of publishers.entries()) {
    const transport = transports(`pub-${index}`);
    for (let guard = 0; guard < 100 && (await store.countUnpublished()) > 0; guard++) {
      const report = await store.relayOutbox(transport, { limit: 1_000 });
      if (report.error) await sleep(100);
    }
    expect(await store.countUnpublished()).toBe(0);
  }
  await consume;

  const ledger = await pool.query(
    `select outcome, count(*)::int as n from "nl_c_${id}".applied_events group by outcome`,
  );
  const rows = await pool.query(
    `select count(*)::int as n from "nl_c_${id}".memories where status = 'live'`,
  );
  return {
    total,
    restarts,
    transportErrors,
    relayErrors,
    ledger: Object.fromEntries(ledger.rows.map((r) => [r.outcome, r.n])),
    live: rows.rows[0].n as number,
    applied: await appliedCount(consumer),
    consumer,
    namespace,
  };
}

for (const backend of SYNC_BACKENDS) {
  describe(`no loss over ${backend}`, () => {
    it("3,000 events from 4 concurrent publishers, consumer killed at random points: each applied exactly once", async () => {
      const result = await run({ backend, publishers: 4, perPublisher: 750, crashRate: 0.2 });
      expect(result.restarts).toBeGreaterThan(3);
      expect(result.ledger).toEqual({ applied: 3_000 });
      expect(result.live).toBe(3_000);
      expect(result.applied).toBe(3_000);
      console.log(
        `[no-loss ${backend}] 3000 events, ${result.restarts} consumer kills, all applied once`,
      );
    });

    it("the transport unreachable for a while: outboxes hold the events and drain afterwards", async () => {
      const result = await run({
        backend,
        publishers: 4,
        perPublisher: 250,
        crashRate: 0.05,
        outageMs: 1_500,
      });
      expect(result.relayErrors.length + result.transportErrors).toBeGreaterThan(0);
      expect(result.ledger).toEqual({ applied: 1_000 });
      expect(result.live).toBe(1_000);
      console.log(
        `[outage ${backend}] 1000 events across a 1.5 s outage: ${result.relayErrors.length} failed relays, ${result.transportErrors} failed pulls, all applied once`,
      );
    });
  });
}
