import {
  formatHlc,
  generateApiKey,
  hashApiKey,
  newEventId,
  parseHlc,
  type SyncEvent,
  signEvent,
} from "@memoria/sync-core";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchemas, outboxEvents, regionStore, testPool } from "./store.testkit.js";

const pool = testPool();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

async function pair(namespaceB = "prod-shared") {
  const a = await regionStore(pool, { region: "region-a" });
  // B's band excludes everything: keys replicate whatever the band.
  const b = await regionStore(pool, {
    region: "region-b",
    namespace: namespaceB,
    band: { floor: 15, ceiling: 15 },
  });
  schemas.push(a.schema, b.schema);
  const events = async () => (await outboxEvents(pool, a.schema)) as SyncEvent[];
  return { a, b, events };
}

async function newKey(teams: string[] | null = null) {
  const secret = generateApiKey();
  return {
    secret,
    input: {
      hash: await hashApiKey(secret),
      prefix: secret.slice(0, 10),
      name: "ci",
      scopes: ["read" as const],
      teams,
    },
  };
}

describe("API keys replicate as signed events", () => {
  it("a key made in A is known in B by its hash; the secret never leaves", async () => {
    const { a, b, events } = await pair();
    const { secret, input } = await newKey(["alpha"]);
    const made = await a.store.createApiKey(input);
    const queued = await events();
    expect(queued.map((e) => e.action)).toEqual(["apikey.upserted"]);
    expect(JSON.stringify(queued)).not.toContain(secret);
    expect(queued[0]?.sig).toBeDefined();
    const report = await b.store.applyEvents(queued);
    expect(report.counts.applied).toBe(1);
    expect(await b.store.findApiKey(input.hash)).toMatchObject({
      id: made.id,
      scopes: ["read"],
      teams: ["alpha"],
      revoked_at: null,
    });
    expect(await b.store.listApiKeys()).toEqual([
      expect.not.objectContaining({ hash: expect.anything() }),
    ]);
  });

  it("a revocation wins whatever the order, and a revoked key never comes back", async () => {
    const { a, b, events } = await pair();
    const { input } = await newKey();
    const made = await a.store.createApiKey(input);
    await a.store.revokeApiKey(made.id);
    const [upserted, revoked] = await events();
    // Revocation first, then the older upsert, then the upsert again: still revoked.
    await b.store.applyEvents([revoked as SyncEvent]);
    const late = await b.store.applyEvents([upserted as SyncEvent]);
    expect(late.counts.unchanged).toBe(1);
    expect((await b.store.findApiKey(input.hash))?.revoked_at).not.toBeNull();
    // Redelivery is a duplicate, as for memory events.
    expect((await b.store.applyEvents([revoked as SyncEvent])).counts.duplicate).toBe(1);
    // Both in one batch, either order: revoked.
    const c = await regionStore(pool, { region: "region-c" });
    schemas.push(c.schema);
    await c.store.applyEvents([revoked as SyncEvent, upserted as SyncEvent]);
    expect((await c.store.findApiKey(input.hash))?.revoked_at).not.toBeNull();
    // Even an upsert stamped later than the revocation (a skewed clock) does not revive it.
    const { sig: _sig, ...unsigned } = upserted as SyncEvent;
    const later = parseHlc((revoked as SyncEvent).hlc);
    const revived = await signEvent(
      {
        ...unsigned,
        id: newEventId(),
        hlc: formatHlc({ ...later, wall: later.wall + 60_000 }),
      },
      a.keyring,
    );
    expect((await b.store.applyEvents([revived])).counts.unchanged).toBe(1);
    expect((await b.store.findApiKey(input.hash))?.revoked_at).not.toBeNull();
  });

  it("revoking twice changes nothing and publishes once", async () => {
    const { a, events } = await pair();
    const made = await a.store.createApiKey((await newKey()).input);
    const first = await a.store.revokeApiKey(made.id);
    const second = await a.store.revokeApiKey(made.id);
    expect(second?.revoked_at).toBe(first?.revoked_at);
    expect((await events()).map((e) => e.action)).toEqual(["apikey.upserted", "apikey.revoked"]);
    expect(await a.store.revokeApiKey("no-such-key")).toBeUndefined();
  });

  it("a key of another namespace is dropped", async () => {
    const { a, b, events } = await pair("other-tenant");
    const { input } = await newKey();
    await a.store.createApiKey(input);
    const report = await b.store.applyEvents(await events());
    expect(report.counts.namespace).toBe(1);
    expect(await b.store.findApiKey(input.hash)).toBeUndefined();
  });
});

describe("team-scoped reads and writes", () => {
  it("a team scope never sees, lists, changes or deletes another team's record", async () => {
    const { a } = await pair();
    const alpha = await a.store.createMemory({ text: "a", y: 1, team: "alpha" });
    const bravo = await a.store.createMemory({ text: "b", y: 1, team: "bravo" });
    const none = await a.store.createMemory({ text: "n", y: 1 });
    const scope = ["alpha"];
    expect(await a.store.getMemory(alpha.memory.id, scope)).toBeDefined();
    expect(await a.store.getMemory(bravo.memory.id, scope)).toBeUndefined();
    expect(await a.store.getMemory(none.memory.id, scope)).toBeUndefined();
    const page = await a.store.listMemories({ limit: 50, teams: scope });
    expect(page.items.map((m) => m.id)).toEqual([alpha.memory.id]);
    await expect(a.store.updateMemory(bravo.memory.id, { text: "x" }, scope)).rejects.toThrow(
      /not found/,
    );
    await expect(a.store.deleteMemory(bravo.memory.id, scope)).rejects.toThrow(/not found/);
    expect((await a.store.getMemory(bravo.memory.id))?.text).toBe("b");
  });
});
