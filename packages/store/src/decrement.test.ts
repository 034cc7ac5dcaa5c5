import { createKeyring, type SyncEvent, signEvent } from "@memoria/sync-core";
import { afterAll, describe, expect, it } from "vitest";
import { memoryFieldsSchema, memoryPatchSchema } from "./memory.js";
import { MIGRATIONS, migrate } from "./migrations.js";
import {
  dropSchemas,
  outboxEvents,
  regionStore,
  TEST_KEYS,
  testPool,
  uniqueName,
} from "./store.testkit.js";

/**
 * x is a register of its own (`x_hlc`): the daily decrement commutes with writes that do
 * not set x, whichever region they happen in and whenever the day's mark reaches it.
 */

const pool = testPool();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

/** Regions A and B (full bands) and a delivery of each one's new events to the other. */
async function pair() {
  const a = await regionStore(pool, { region: "region-a" });
  const b = await regionStore(pool, { region: "region-b" });
  schemas.push(a.schema, b.schema);
  const delivered = new Map<string, number>();
  const deliver = async (from: typeof a, to: typeof a) => {
    const events = (await outboxEvents(pool, from.schema)) as SyncEvent[];
    const fresh = events.slice(delivered.get(from.schema) ?? 0);
    delivered.set(from.schema, events.length);
    await to.store.applyEvents(fresh);
  };
  return { a, b, toB: () => deliver(a, b), toA: () => deliver(b, a) };
}

describe("a day's mark that reaches a region after a write there", () => {
  it("still counts when the write changed only the text (the bug: both regions showed 10)", async () => {
    const { a, b, toA, toB } = await pair();
    const { memory } = await a.store.createMemory({ text: "v1", y: 5, x: 10 });
    await toB();
    await b.store.runDecrement("2026-11-21", 1);
    expect((await b.store.getMemory(memory.id))?.x).toBe(9);
    // A has not received the mark: it acknowledges the edit with the x it knows.
    const edit = await a.store.updateMemory(memory.id, { text: "v2" });
    expect(edit.memory.x).toBe(10);
    await toB();
    await toA();
    for (const region of [a, b])
      expect(await region.store.getMemory(memory.id)).toMatchObject({ text: "v2", x: 9 });
    // Every read of x is the decremented x: the range filters of both read paths too.
    for (const region of [a, b]) {
      const list = await region.store.listMemories({ limit: 10, xMin: 9, xMax: 9 });
      expect(list.items.map((m) => m.id)).toEqual([memory.id]);
      expect((await region.store.listMemories({ limit: 10, xMin: 10 })).items).toEqual([]);
      const found = await region.store.queryMemories({
        xMin: 8.5,
        xMax: 9.5,
        near: { point: { x: 9 }, maxDistance: 0 },
        order: "distance",
        limit: 10,
      });
      expect(found.map((m) => [m.id, m.distance])).toEqual([[memory.id, 0]]);
    }
  });

  it("still counts when the write sent back the x it read (a client PUTting the whole record)", async () => {
    const { a, b, toA, toB } = await pair();
    const { memory } = await a.store.createMemory({ text: "v1", y: 5, x: 10 });
    await toB();
    await b.store.runDecrement("2026-11-21", 1);
    const read = await a.store.getMemory(memory.id);
    await a.store.updateMemory(memory.id, { text: "v2", x: read?.x as number });
    await toB();
    await toA();
    expect((await a.store.getMemory(memory.id))?.x).toBe(9);
    expect((await b.store.getMemory(memory.id))?.x).toBe(9);
  });

  it("does not count against an x set after it in HLC order", async () => {
    const { a, b, toA, toB } = await pair();
    const { memory } = await a.store.createMemory({ text: "v1", y: 5, x: 10 });
    await toB();
    await b.store.runDecrement("2026-11-21", 1);
    // A later millisecond, so A's HLC is after B's mark whatever the node order.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const set = await a.store.updateMemory(memory.id, { x: 4 });
    await toB();
    await toA();
    // B's mark was taken before A's set (B's clock is not ahead here), so it does not apply.
    const mark = (await outboxEvents(pool, b.schema)).at(-1) as SyncEvent;
    expect(mark.hlc < set.hlc).toBe(true);
    expect((await a.store.getMemory(memory.id))?.x).toBe(4);
    expect((await b.store.getMemory(memory.id))?.x).toBe(4);
  });

  it("a record created after a mark is not decremented by it, even where the mark arrives later", async () => {
    const { a, b, toA, toB } = await pair();
    await b.store.runDecrement("2026-11-21", 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { memory } = await a.store.createMemory({ text: "new", y: 5, x: 3 });
    await toA();
    await toB();
    expect((await a.store.getMemory(memory.id))?.x).toBe(3);
    expect((await b.store.getMemory(memory.id))?.x).toBe(3);
  });
});

describe("the x register at the edges", () => {
  it("an event without x_hlc (an older region) set x at the event's own HLC", async () => {
    const { a, b, toB } = await pair();
    const { memory } = await a.store.createMemory({ text: "v1", y: 5, x: 10 });
    await toB();
    await b.store.runDecrement("2026-11-21", 1);
    await new Promise((resolve) => setTimeout(resolve, 2));
    await a.store.updateMemory(memory.id, { text: "v2" });
    // The edit as a region from before x_hlc sent it: its x was set by the edit itself.
    const edit = (await outboxEvents(pool, a.schema)).at(-1) as SyncEvent;
    const { sig: _sig, ...unsigned } = edit;
    const { x_hlc: _xHlc, ...payload } = unsigned.payload as Record<string, unknown>;
    const old = await signEvent({ ...unsigned, payload }, await createKeyring(TEST_KEYS));
    await b.store.applyEvents([old]);
    const { rows } = await pool.query(
      `select x_hlc, hlc from "${b.schema}".memories where id = $1`,
      [memory.id],
    );
    expect(rows[0]).toEqual({ x_hlc: edit.hlc, hlc: edit.hlc });
    // B's mark is older than that, so it does not count; a later one does.
    expect((await b.store.getMemory(memory.id))?.x).toBe(10);
    await b.store.runDecrement("2026-11-22", 1);
    expect((await b.store.getMemory(memory.id))?.x).toBe(9);
  });

  it("is the store's own: clients can neither send nor see x_hlc", async () => {
    const { a } = await pair();
    expect(memoryFieldsSchema.safeParse({ text: "t", y: 1, x_hlc: "x" }).success).toBe(false);
    expect(memoryPatchSchema.safeParse({ x_hlc: "x" }).success).toBe(false);
    const { memory } = await a.store.createMemory({ text: "t", y: 1 });
    expect(memory).not.toHaveProperty("x_hlc");
    expect(await a.store.getMemory(memory.id)).not.toHaveProperty("x_hlc");
    // Events carry it only when the write kept an older x (an x set by the write is at its HLC).
    const edited = await a.store.updateMemory(memory.id, { text: "t2" });
    const [created, edit] = (await outboxEvents(pool, a.schema)) as SyncEvent[];
    expect(created?.payload).not.toHaveProperty("x_hlc");
    expect(edit?.payload?.x_hlc).toBe(memory.hlc);
    expect(edit?.hlc).toBe(edited.hlc);
  });

  it("migration 6 gives every live row x_hlc = hlc, and no other row any", async () => {
    const schema = uniqueName("st_xhlc");
    schemas.push(schema);
    const s = `"${schema}"`;
    await pool.query(`create schema ${s}`);
    await pool.query(
      `create table ${s}.schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    for (const migration of MIGRATIONS.filter((m) => m.version < 6)) {
      await pool.query(migration.sql(s));
      await pool.query(`insert into ${s}.schema_migrations (version, name) values ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
    await pool.query(
      `insert into ${s}.memories (namespace, id, status, text, y, x, hlc, origin)
       values ('ns', 'live', 'live', 't', 1, 10, '000000000000001:00000:region-a', 'region-a'),
              ('ns', 'gone', 'deleted', null, null, null, '000000000000002:00000:region-a', 'region-a')`,
    );
    await migrate(pool, schema);
    const { rows } = await pool.query(`select id, x_hlc from ${s}.memories order by id`);
    expect(rows).toEqual([
      { id: "gone", x_hlc: null },
      { id: "live", x_hlc: "000000000000001:00000:region-a" },
    ]);
  });
});
