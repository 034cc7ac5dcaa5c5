import { createKeyring, parseEvent, verifyEvent } from "@memoria/sync-core";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchemas, outboxEvents, regionStore, TEST_KEYS, testPool } from "./store.testkit.js";
import { MemoryNotFoundError } from "./write.js";

const pool = testPool();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

async function region(band = { floor: 0, ceiling: 12 }) {
  const r = await regionStore(pool, { region: "region-a", band });
  schemas.push(r.schema);
  return r;
}

describe("writes and their events commit together", () => {
  it("a public memory: one row and one signed memory.created event carrying the snapshot", async () => {
    const { store, schema } = await region();
    const { memory, events, hlc } = await store.createMemory({
      text: "the sky is blue",
      y: 5,
      x: 3,
      z: -2,
      anchor: "sky",
      symbolic_anchors: ["blue"],
    });
    expect(memory).toMatchObject({
      text: "the sky is blue",
      y: 5,
      x: 3,
      z: -2,
      namespace: "prod-shared",
      origin: "region-a",
      hlc,
    });
    const outbox = await outboxEvents(pool, schema);
    expect(outbox).toHaveLength(1);
    expect(events).toEqual([outbox[0].id]);
    const parsed = parseEvent(outbox[0]);
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    expect(parsed.data).toMatchObject({
      action: "memory.created",
      entity_id: memory.id,
      privacy: 5,
      hlc,
      origin: "region-a",
    });
    expect(parsed.data.payload).toMatchObject({
      id: memory.id,
      text: "the sky is blue",
      anchor: "sky",
      symbolic_anchors: ["blue"],
    });
    expect(await verifyEvent(parsed.data, await createKeyring(TEST_KEYS))).toMatchObject({
      ok: true,
    });
  });

  it("a private memory (y=-12, band 0..12) is stored here; peers get only a redaction, no content", async () => {
    const { store, schema } = await region();
    const { memory, events } = await store.createMemory({ text: "my diary", y: -12 });
    // A redaction, not nothing: a peer may hold an in-band copy under the same id (a keyed
    // create sent to both regions while cut off), which must not stay live there.
    const outbox = await outboxEvents(pool, schema);
    expect(events).toHaveLength(1);
    expect(outbox.map((e) => e.action)).toEqual(["memory.redacted"]);
    expect(outbox[0]).not.toHaveProperty("payload");
    expect(JSON.stringify(outbox)).not.toContain("my diary");
    expect((await store.getMemory(memory.id))?.text).toBe("my diary");
  });

  it("public → private queues a redaction with no content", async () => {
    const { store, schema } = await region();
    const { memory } = await store.createMemory({ text: "was public", y: 5 });
    const update = await store.updateMemory(memory.id, { y: -12 });
    expect(update.memory.y).toBe(-12);
    const outbox = await outboxEvents(pool, schema);
    expect(outbox.map((e) => e.action)).toEqual(["memory.created", "memory.redacted"]);
    expect(outbox[1]).not.toHaveProperty("payload");
    expect(outbox[1].privacy).toBe(-12);
    expect(JSON.stringify(outbox[1])).not.toContain("was public");
  });

  it("updates get a later HLC than the write they replace, and keep untouched fields", async () => {
    const { store } = await region();
    const { memory, hlc } = await store.createMemory({
      text: "v1",
      y: 3,
      tokens: 7,
      team: "alpha",
    });
    const update = await store.updateMemory(memory.id, { text: "v2" });
    expect(update.hlc > hlc).toBe(true);
    expect(update.memory).toMatchObject({ text: "v2", tokens: 7, team: "alpha", y: 3 });
  });

  it("delete leaves a tombstone without content and always tells peers (they may hold a copy we never sent)", async () => {
    const { store, schema } = await region();
    const { memory } = await store.createMemory({ text: "to forget", y: 4 });
    const { memory: secret } = await store.createMemory({ text: "secret", y: -14 });
    await store.deleteMemory(memory.id);
    await store.deleteMemory(secret.id);
    expect(await store.getMemory(memory.id)).toBeUndefined();
    const { rows } = await pool.query(
      `select status, text, y from "${schema}".memories where id = $1`,
      [memory.id],
    );
    expect(rows).toEqual([{ status: "deleted", text: null, y: null }]);
    const outbox = await outboxEvents(pool, schema);
    expect(outbox.map((e) => e.action)).toEqual([
      "memory.created",
      "memory.redacted",
      "memory.deleted",
      "memory.deleted",
    ]);
    expect(JSON.stringify(outbox)).not.toContain("secret");
    await expect(store.updateMemory(memory.id, { text: "back?" })).rejects.toBeInstanceOf(
      MemoryNotFoundError,
    );
  });

  it("rolls the row back when its event cannot be queued", async () => {
    const { store, schema } = await region();
    // A keyring without its current key cannot sign: the write must not commit without its event.
    store.context.keyring = { current: "gone", ids: [], key: () => undefined };
    await expect(store.createMemory({ text: "orphan?", y: 5 })).rejects.toThrow();
    const { rows } = await pool.query(`select count(*)::int as n from "${schema}".memories`);
    expect(rows[0].n).toBe(0);
  });

  it("queues nothing while the region is not publishing (sync off or unsigned)", async () => {
    const { store, schema } = await region();
    store.context.publishing = false;
    const { memory } = await store.createMemory({ text: "local only", y: 5 });
    await store.updateMemory(memory.id, { y: -3 });
    await store.deleteMemory(memory.id);
    expect(await store.runDecrement("2026-11-21", 1)).toMatchObject({
      outcome: "applied",
      eventId: null,
    });
    expect(await outboxEvents(pool, schema)).toEqual([]);
  });

  it("rejects invalid input before touching the database", async () => {
    const { store, schema } = await region();
    await expect(store.createMemory({ text: "", y: 40 })).rejects.toThrow(/y|text/);
    const { rows } = await pool.query(`select count(*)::int as n from "${schema}".outbox`);
    expect(rows[0].n).toBe(0);
  });
});

describe("patch validation", () => {
  it("fills in nothing the client did not send", async () => {
    const { memoryPatchSchema } = await import("./memory.js");
    expect(memoryPatchSchema.parse({ text: "v2" })).toEqual({ text: "v2" });
    expect(() => memoryPatchSchema.parse({})).toThrow(/at least one field/);
  });
});

describe("Idempotency-Key", () => {
  it("a retried create returns the memory the first one made, and queues nothing new", async () => {
    const { store, schema } = await region();
    const first = await store.createMemory({ text: "once", y: 5 }, { idempotencyKey: "req-42" });
    const again = await store.createMemory({ text: "once", y: 5 }, { idempotencyKey: "req-42" });
    expect(again).toMatchObject({ replayed: true, events: [], hlc: first.hlc });
    expect(again.memory.id).toBe(first.memory.id);
    expect(await outboxEvents(pool, schema)).toHaveLength(1);
    const other = await store.createMemory({ text: "once", y: 5 }, { idempotencyKey: "req-43" });
    expect(other.memory.id).not.toBe(first.memory.id);
    await store.deleteMemory(first.memory.id);
    await expect(
      store.createMemory({ text: "once", y: 5 }, { idempotencyKey: "req-42" }),
    ).rejects.toThrow(/since been deleted/);
  });

  it("two teams reusing one key get two records: a replay never crosses teams", async () => {
    const { store } = await region();
    const alpha = await store.createMemory(
      { text: "alpha's", y: 5, team: "alpha" },
      { idempotencyKey: "shared-key" },
    );
    const bravo = await store.createMemory(
      { text: "bravo's", y: 5, team: "bravo" },
      { idempotencyKey: "shared-key" },
    );
    expect(bravo.replayed).toBeUndefined();
    expect(bravo.memory.id).not.toBe(alpha.memory.id);
    expect(bravo.memory.text).toBe("bravo's");
    const alphaAgain = await store.createMemory(
      { text: "alpha's", y: 5, team: "alpha" },
      { idempotencyKey: "shared-key" },
    );
    expect(alphaAgain).toMatchObject({ replayed: true });
    expect(alphaAgain.memory.id).toBe(alpha.memory.id);
  });
});
