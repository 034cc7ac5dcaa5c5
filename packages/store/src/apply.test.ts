import { createKeyring, formatHlc, type SyncEvent, signEvent } from "@memoria/sync-core";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchemas, outboxEvents, regionStore, TEST_KEYS, testPool } from "./store.testkit.js";

const pool = testPool();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

/** Region A publishes everything (full band); region B stores only 0..12. */
async function pair() {
  const a = await regionStore(pool, { region: "region-a" });
  const b = await regionStore(pool, { region: "region-b", band: { floor: 0, ceiling: 12 } });
  schemas.push(a.schema, b.schema);
  let delivered = 0;
  /** Delivers A's new outbox events to B, like a transport would. */
  const sync = async (times = 1) => {
    const events = (await outboxEvents(pool, a.schema)) as SyncEvent[];
    const fresh = events.slice(delivered);
    delivered = events.length;
    let report = await b.store.applyEvents(fresh);
    for (let i = 1; i < times; i++) report = await b.store.applyEvents(fresh);
    return report;
  };
  return { a, b, sync };
}

async function rowsOf(schema: string) {
  const { rows } = await pool.query(
    `select id, status, text, y from "${schema}".memories order by id`,
  );
  return rows;
}

async function counter(store: Awaited<ReturnType<typeof regionStore>>["store"], name: string) {
  return (await store.counters())
    .filter((c) => c.name === name)
    .reduce((sum, c) => sum + c.value, 0);
}

describe("applying a peer's events", () => {
  it("a public memory written in A is readable in B", async () => {
    const { a, b, sync } = await pair();
    const { memory } = await a.store.createMemory({ text: "public fact", y: 5, x: 2 });
    const report = await sync();
    expect(report.counts.applied).toBe(1);
    expect(await b.store.getMemory(memory.id)).toMatchObject({
      text: "public fact",
      y: 5,
      x: 2,
      origin: "region-a",
      hlc: memory.hlc,
    });
    expect(await counter(b.store, "sync_events_applied_total")).toBe(1);
  });

  it("a private memory never reaches B, even when A's band lets it out", async () => {
    const { a, b, sync } = await pair();
    const { memory } = await a.store.createMemory({ text: "private note", y: -12 });
    const report = await sync();
    expect(report.counts["privacy-filtered"]).toBe(1);
    expect(await b.store.getMemory(memory.id)).toBeUndefined();
    const rows = await rowsOf(b.schema);
    expect(rows).toEqual([{ id: memory.id, status: "redacted", text: null, y: null }]);
    expect(await counter(b.store, "privacy_filtered_events_total")).toBe(1);
  });

  it("updating a public memory to private removes B's copy; making it public again restores it", async () => {
    const { a, b, sync } = await pair();
    const { memory } = await a.store.createMemory({ text: "changing", y: 5 });
    await sync();
    await a.store.updateMemory(memory.id, { y: -12 });
    await sync();
    expect(await b.store.getMemory(memory.id)).toBeUndefined();
    expect(await rowsOf(b.schema)).toEqual([
      { id: memory.id, status: "redacted", text: null, y: null },
    ]);
    await a.store.updateMemory(memory.id, { y: 7, text: "public again" });
    await sync();
    expect(await b.store.getMemory(memory.id)).toMatchObject({ text: "public again", y: 7 });
  });

  it("applies each event once however often it is delivered, and counts the duplicates", async () => {
    const { a, b, sync } = await pair();
    await a.store.createMemory({ text: "once", y: 1 });
    await a.store.createMemory({ text: "twice", y: 2 });
    const report = await sync(3);
    expect(report.counts.duplicate).toBe(2);
    expect(await counter(b.store, "sync_events_applied_total")).toBe(2);
    expect(await counter(b.store, "sync_duplicate_events_total")).toBe(4);
    const { rows } = await pool.query(
      `select count(*)::int as n from "${b.schema}".applied_events`,
    );
    expect(rows[0].n).toBe(2);
  });

  it("drops and counts another tenant's events, and ignores its own echoes", async () => {
    const { a, b } = await pair();
    const other = await regionStore(pool, { region: "region-c", namespace: "other-tenant" });
    schemas.push(other.schema);
    await other.store.createMemory({ text: "foreign", y: 5 });
    const { memory: mine } = await b.store.createMemory({ text: "b's own", y: 5 });
    const foreign = (await outboxEvents(pool, other.schema)) as SyncEvent[];
    const echoes = (await outboxEvents(pool, b.schema)) as SyncEvent[];
    const report = await b.store.applyEvents([...foreign, ...echoes]);
    expect(report.counts).toMatchObject({ namespace: 1, echo: 1, applied: 0 });
    expect(await counter(b.store, "namespace_mismatch_drops_total")).toBe(1);
    expect((await rowsOf(b.schema)).map((r) => r.id)).toEqual([mine.id]);
    void a;
  });

  it("a late older update cannot overwrite a newer one, nor resurrect a delete", async () => {
    const { a, b } = await pair();
    const { memory } = await a.store.createMemory({ text: "v1", y: 3 });
    await a.store.updateMemory(memory.id, { text: "v2" });
    await a.store.deleteMemory(memory.id);
    const [created, updated, deleted] = (await outboxEvents(pool, a.schema)) as SyncEvent[];
    await b.store.applyEvents([updated as SyncEvent]);
    await b.store.applyEvents([created as SyncEvent]);
    expect((await b.store.getMemory(memory.id))?.text).toBe("v2");
    await b.store.applyEvents([deleted as SyncEvent]);
    const keyring = await createKeyring(TEST_KEYS);
    // Even an update stamped later than the delete loses to the tombstone.
    const late = await signEvent(
      {
        ...(updated as SyncEvent),
        id: crypto.randomUUID().replace(/^(.{14})./, "$17"),
        hlc: formatHlc({ wall: Date.now() + 10_000, counter: 0, node: "region-a" }),
      },
      keyring,
    );
    await b.store.applyEvents([late]);
    expect(await rowsOf(b.schema)).toEqual([
      { id: memory.id, status: "deleted", text: null, y: null },
    ]);
  });

  it("never stores anything whose y lies outside the receiving band", async () => {
    const { a, b, sync } = await pair();
    for (const y of [-15, -12, -1, 0, 5, 12, 13, 15])
      await a.store.createMemory({ text: `y=${y}`, y });
    await sync();
    const { rows } = await pool.query(
      `select y from "${b.schema}".memories where status = 'live' order by y`,
    );
    expect(rows.map((r) => r.y)).toEqual([0, 5, 12]);
    const { rows: leaked } = await pool.query(
      `select count(*)::int as n from "${b.schema}".memories where text is not null and (y < 0 or y > 12)`,
    );
    expect(leaked[0].n).toBe(0);
  });

  it("rejects a live event whose payload is not a memory, without storing it", async () => {
    const { b } = await pair();
    const keyring = await createKeyring(TEST_KEYS);
    const bad = await signEvent(
      {
        v: 1,
        id: crypto.randomUUID().replace(/^(.{14})./, "$17"),
        action: "memory.created",
        entity_type: "memory",
        entity_id: "m-bad",
        namespace: "prod-shared",
        origin: "region-a",
        hlc: formatHlc({ wall: Date.now(), counter: 0, node: "region-a" }),
        privacy: 5,
        created_at: new Date().toISOString(),
        payload: { text: 42 },
      },
      keyring,
    );
    const report = await b.store.applyEvents([bad]);
    expect(report.counts["invalid-payload"]).toBe(1);
    expect(await rowsOf(b.schema)).toEqual([]);
  });

  it("records latency per origin as a Prometheus histogram", async () => {
    const { a, b, sync } = await pair();
    await a.store.createMemory({ text: "timed", y: 1 });
    await sync();
    const rows = (await b.store.counters()).filter((c) =>
      c.name.startsWith("sync_subscription_latency_seconds"),
    );
    expect(rows.find((r) => r.name.endsWith("_count"))).toMatchObject({
      labels: { origin: "region-a" },
      value: 1,
    });
    expect(rows.find((r) => r.name.endsWith("_bucket") && r.labels.le === "+Inf")?.value).toBe(1);
  });
});

describe("the daily decrement", () => {
  it("runs once per (namespace, date) under the lease, refuses a stale fencing token, and replicates", async () => {
    const { a, b, sync } = await pair();
    const { memory } = await a.store.createMemory({ text: "aging", y: 5, x: 10 });
    await sync();
    expect(await a.store.runDecrement("2026-11-21", 1)).toMatchObject({ outcome: "applied" });
    expect(await a.store.runDecrement("2026-11-21", 1)).toEqual({ outcome: "already-done" });
    expect(await a.store.runDecrement("2026-11-21", 2)).toEqual({ outcome: "already-done" });
    expect(await a.store.runDecrement("2026-11-22", 1)).toEqual({
      outcome: "fenced",
      highestToken: 2,
    });
    expect((await a.store.getMemory(memory.id))?.x).toBe(9);
    await sync();
    expect((await b.store.getMemory(memory.id))?.x).toBe(9);
  });

  it("two would-be leaders in two regions count as one decrement everywhere", async () => {
    const { a, b, sync } = await pair();
    const { memory } = await a.store.createMemory({ text: "aging", y: 5, x: 10 });
    await sync();
    await a.store.runDecrement("2026-11-21", 7);
    await b.store.runDecrement("2026-11-21", 7);
    await sync();
    await a.store.applyEvents((await outboxEvents(pool, b.schema)) as SyncEvent[]);
    expect((await a.store.getMemory(memory.id))?.x).toBe(9);
    expect((await b.store.getMemory(memory.id))?.x).toBe(9);
  });

  it("a write after the decrement keeps the x it wrote", async () => {
    const { a, b, sync } = await pair();
    const { memory } = await a.store.createMemory({ text: "aging", y: 5, x: 10 });
    await a.store.runDecrement("2026-11-21", 1);
    await a.store.updateMemory(memory.id, { x: 20 });
    await sync();
    expect((await a.store.getMemory(memory.id))?.x).toBe(20);
    expect((await b.store.getMemory(memory.id))?.x).toBe(20);
  });
});

describe("applied watermarks", () => {
  it("record per origin the highest HLC processed, never going back", async () => {
    const { a, b, sync } = await pair();
    await a.store.createMemory({ text: "one", y: 3 });
    const { hlc } = await a.store.createMemory({ text: "two", y: -14 });
    await sync();
    expect(await b.store.appliedWatermarks()).toEqual({ "region-a": hlc });
    const [first] = (await outboxEvents(pool, a.schema)) as SyncEvent[];
    const stale = await signEvent(
      { ...(first as SyncEvent), id: crypto.randomUUID().replace(/^(.{14})./, "$17") },
      await createKeyring(TEST_KEYS),
    );
    await b.store.applyEvents([stale]);
    expect(await b.store.appliedWatermarks()).toEqual({ "region-a": hlc });
  });
});

describe("a create retried in another region after a failover", () => {
  it("names the same record, so both regions end with one copy", async () => {
    const { a, b, sync } = await pair();
    const inA = await a.store.createMemory(
      { text: "from A", y: 5 },
      { idempotencyKey: "client-req-7" },
    );
    const inB = await b.store.createMemory(
      { text: "from B", y: 5 },
      { idempotencyKey: "client-req-7" },
    );
    expect(inB.memory.id).toBe(inA.memory.id);
    await sync();
    await a.store.applyEvents((await outboxEvents(pool, b.schema)) as SyncEvent[]);
    const [inAafter, inBafter] = [
      await a.store.getMemory(inA.memory.id),
      await b.store.getMemory(inA.memory.id),
    ];
    expect(inAafter?.text).toBe("from B");
    expect(inBafter).toEqual({
      ...inAafter,
      created_at: inBafter?.created_at,
      updated_at: inBafter?.updated_at,
    });
    const { rows } = await pool.query(`select count(*)::int as n from "${b.schema}".memories`);
    expect(rows[0].n).toBe(1);
  });
});

describe("tightening a band", () => {
  it("redacts the peer records now outside it, and leaves this region's own alone", async () => {
    const { a, b, sync } = await pair();
    const { memory: near } = await a.store.createMemory({ text: "y=2 from A", y: 2 });
    const { memory: edge } = await a.store.createMemory({ text: "y=10 from A", y: 10 });
    const { memory: own } = await b.store.createMemory({ text: "B's own, y=1", y: 1 });
    await sync();
    expect(await b.store.redactOutsideBand({ floor: 5, ceiling: 12 })).toBe(1);
    expect(await b.store.getMemory(near.id)).toBeUndefined();
    expect((await b.store.getMemory(edge.id))?.text).toBe("y=10 from A");
    expect((await b.store.getMemory(own.id))?.text).toBe("B's own, y=1");
    expect(await counter(b.store, "privacy_filtered_events_total")).toBe(1);
    expect(await b.store.redactOutsideBand({ floor: 5, ceiling: 12 })).toBe(0);
  });
});
