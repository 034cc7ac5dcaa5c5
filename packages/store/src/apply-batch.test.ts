import { createKeyring, HybridClock, type SyncEvent } from "@memoria/sync-core";
import { afterAll, describe, expect, it } from "vitest";
import type { SqlClient, SqlPool } from "./sql.js";
import { createStore } from "./store.js";
import {
  dropSchemas,
  outboxEvents,
  regionStore,
  TEST_KEYS,
  testPool,
  uniqueName,
} from "./store.testkit.js";

/**
 * A batch is applied in a fixed number of statements (`applyInTransaction`): the ledger
 * claim with the records' rows, then every write at once. These are the cases that shape
 * takes on: ids repeated in a batch or seen before, several events for one record in one
 * batch (merged by HLC whatever their order), and a statement count that does not grow
 * with the batch.
 */

const pool = testPool();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

/** Region B's store over the real pool, counting the statements its clients send. */
async function countedPeer() {
  const statements: string[] = [];
  const counting: SqlPool = {
    async connect(): Promise<SqlClient> {
      const client = (await pool.connect()) as unknown as SqlClient;
      return {
        query: (text, params) => {
          statements.push(text);
          return client.query(text, params);
        },
        release: (error) => client.release(error),
      };
    },
  };
  const schema = uniqueName("st_region_b");
  schemas.push(schema);
  const store = createStore({
    pool: counting,
    schema,
    region: "region-b",
    namespace: "prod-shared",
    band: { floor: -15, ceiling: 15 },
    keyring: await createKeyring(TEST_KEYS),
    clock: new HybridClock({ node: "region-b" }),
  });
  await store.migrate();
  statements.length = 0;
  return { store, schema, statements };
}

async function writer() {
  const a = await regionStore(pool, { region: "region-a" });
  schemas.push(a.schema);
  return { ...a, events: async () => (await outboxEvents(pool, a.schema)) as SyncEvent[] };
}

async function counter(store: ReturnType<typeof createStore>, name: string) {
  return (await store.counters())
    .filter((c) => c.name === name)
    .reduce((sum, c) => sum + c.value, 0);
}

async function ledger(schema: string) {
  const { rows } = await pool.query(
    `select event_id, outcome from "${schema}".applied_events order by event_id`,
  );
  return rows;
}

describe("one batch", () => {
  it("costs the same number of statements for 1 event as for 60", async () => {
    const a = await writer();
    for (let i = 0; i < 61; i++) await a.store.createMemory({ text: `m${i}`, y: 1 });
    const [first, ...rest] = await a.events();
    const b = await countedPeer();
    await b.store.applyEvents([first as SyncEvent]);
    const forOne = b.statements.length;
    b.statements.length = 0;
    const report = await b.store.applyEvents(rest);
    expect(report.counts.applied).toBe(60);
    expect(b.statements.length).toBe(forOne);
    // begin, the claim with the rows, every write, commit.
    expect(forOne).toBe(4);
  });

  it("applies an id repeated inside the batch once, and counts the repeats as duplicates", async () => {
    const a = await writer();
    await a.store.createMemory({ text: "once", y: 1 });
    const [event] = await a.events();
    const b = await countedPeer();
    const report = await b.store.applyEvents([event, event, event] as SyncEvent[]);
    expect(report.counts).toMatchObject({ applied: 1, duplicate: 2 });
    expect(report.outcomes.get((event as SyncEvent).id)).toBe("applied");
    expect(await ledger(b.schema)).toEqual([
      { event_id: (event as SyncEvent).id, outcome: "applied" },
    ]);
    expect(await counter(b.store, "sync_events_applied_total")).toBe(1);
    expect(await counter(b.store, "sync_duplicate_events_total")).toBe(2);
  });

  it("applies the new events of a batch that also holds events applied before", async () => {
    const a = await writer();
    for (const text of ["old-1", "old-2", "new-1", "new-2"])
      await a.store.createMemory({ text, y: 1 });
    const [old1, old2, new1, new2] = (await a.events()) as [SyncEvent, ...SyncEvent[]];
    const b = await countedPeer();
    await b.store.applyEvents([old1, old2 as SyncEvent]);
    const report = await b.store.applyEvents([new1, old1, new2, old2] as SyncEvent[]);
    expect(report.counts).toMatchObject({ applied: 2, duplicate: 2 });
    expect(report.outcomes.get(old1.id)).toBe("duplicate");
    expect(report.outcomes.get((new2 as SyncEvent).id)).toBe("applied");
    expect((await ledger(b.schema)).map((row) => row.outcome)).toEqual(Array(4).fill("applied"));
    const { rows } = await pool.query(
      `select text from "${b.schema}".memories where status = 'live' order by text`,
    );
    expect(rows.map((row) => row.text)).toEqual(["new-1", "new-2", "old-1", "old-2"]);
    expect(await counter(b.store, "sync_events_applied_total")).toBe(4);
    // One latency observation per applied event, summed per origin into one histogram.
    expect(await counter(b.store, "sync_subscription_latency_seconds_count")).toBe(4);
  });

  it("merges several events of one record by HLC, whatever their order in the batch", async () => {
    const a = await writer();
    const { memory } = await a.store.createMemory({ text: "v1", y: 3, x: 1 });
    await a.store.updateMemory(memory.id, { text: "v2" });
    await a.store.updateMemory(memory.id, { text: "v3", x: 7 });
    const [created, v2, v3] = (await a.events()) as SyncEvent[];
    const b = await countedPeer();
    const report = await b.store.applyEvents([v3, created, v2] as SyncEvent[]);
    expect(report.counts.applied + report.counts.unchanged).toBe(3);
    expect(await b.store.getMemory(memory.id)).toMatchObject({
      text: "v3",
      x: 7,
      hlc: (v3 as SyncEvent).hlc,
    });
    expect((await ledger(b.schema)).length).toBe(3);
  });

  it("keeps a tombstone when its create comes after it in the same batch", async () => {
    const a = await writer();
    const { memory } = await a.store.createMemory({ text: "v1", y: 3 });
    await a.store.deleteMemory(memory.id);
    const [created, deleted] = (await a.events()) as SyncEvent[];
    const b = await countedPeer();
    await b.store.applyEvents([deleted, created] as SyncEvent[]);
    const { rows } = await pool.query(
      `select status, text from "${b.schema}".memories where id = $1`,
      [memory.id],
    );
    expect(rows).toEqual([{ status: "deleted", text: null }]);
  });

  it("costs no statement for an empty batch", async () => {
    const b = await countedPeer();
    const report = await b.store.applyEvents([]);
    expect(report.counts.applied).toBe(0);
    expect(b.statements).toEqual([]);
  });
});

describe("two applies of one new record at once", () => {
  it("the older never overwrites the newer, whichever commits last", async () => {
    const a = await writer();
    const { memory } = await a.store.createMemory({ text: "older", y: 3 });
    await a.store.updateMemory(memory.id, { text: "newer" });
    const [older, newer] = (await a.events()) as [SyncEvent, SyncEvent];
    const b = await regionStore(pool, { region: "region-b" });
    schemas.push(b.schema);
    const first = await pool.connect();
    try {
      // The newer apply inserts the record and holds its transaction open…
      await first.query("begin");
      await createStore({ ...b.store.context, pool: heldOpen(first) }).applyEvents([newer]);
      // …so the older one finds no row to lock, and its insert waits on the newer's.
      const late = b.store.applyEvents([older]);
      await waitForLockWait(b.schema);
      await first.query("commit");
      await late;
    } finally {
      first.release();
    }
    expect(await b.store.getMemory(memory.id)).toMatchObject({ text: "newer" });
  });
});

/** One connection whose transaction the test opens and commits: the store's own begin/commit pass by. */
function heldOpen(client: { query: SqlClient["query"] }): SqlPool {
  return {
    async connect() {
      return {
        query: (text: string, params?: unknown[]) =>
          /^\s*(begin|commit)\b/i.test(text)
            ? Promise.resolve({ rows: [], rowCount: null })
            : client.query(text, params),
        release: () => undefined,
      };
    },
  };
}

/** Until some backend waits on a lock while writing `schema`'s memories (bounded). */
async function waitForLockWait(schema: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await pool.query(
      `select count(*)::int as n from pg_stat_activity
       where wait_event_type = 'Lock' and position($1 in query) > 0`,
      [`"${schema}".memories`],
    );
    if (rows[0].n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the second apply never waited on the first");
}
