import {
  createTransitKeyring,
  generateTransitKey,
  importTransitPublicKey,
  openEvent,
  type PrivacyBand,
  type SyncEvent,
  type TransitKeyring,
  type TransitPeer,
} from "@memoria/sync-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreTransit } from "./context.js";
import {
  dropSchemas,
  outboxEvents,
  type RegionUnderTest,
  regionStore,
  seededRandom,
  testPool,
} from "./store.testkit.js";

/**
 * Three regions sealing for each other as the drill has them: a (-15..15, writer),
 * b (0..12), c (-5..15). What a region may store arrives sealed for it; the rest never
 * leaves a, or reaches b or c as an id without content, and nothing travels in clear.
 */

interface Member {
  region: string;
  band: PrivacyBand;
  teams: string[];
  keyring: TransitKeyring;
}

const pool = testPool();
const schemas: string[] = [];

async function member(region: string, band: PrivacyBand, teams: string[] = ["*"]): Promise<Member> {
  const pair = await generateTransitKey("t1");
  const keyring = await createTransitKeyring({
    region,
    current: "t1",
    keys: { t1: pair.privateKey },
  });
  return { region, band, teams, keyring };
}

/** A store of `self`, sealing for every other member as the region table lists them. */
async function storeOf(self: Member, fleet: readonly Member[]): Promise<RegionUnderTest> {
  const peers: TransitPeer[] = await Promise.all(
    fleet
      .filter((m) => m.region !== self.region)
      .map(async (m) => ({
        region: m.region,
        band: m.band,
        teams: m.teams,
        publicKey: await importTransitPublicKey(m.keyring.publicKey),
      })),
  );
  const transit: StoreTransit = {
    mode: "sealed",
    peers,
    self: { region: self.region, publicKey: await importTransitPublicKey(self.keyring.publicKey) },
  };
  const store = await regionStore(pool, {
    region: self.region,
    band: self.band,
    spaces: { prefix: "team", teams: self.teams },
    transit,
    transitKeyring: self.keyring,
  });
  schemas.push(store.schema);
  return store;
}

afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

describe("sealed transit between three regions", () => {
  let fleet: Member[];
  let a: RegionUnderTest;
  let b: RegionUnderTest;
  let c: RegionUnderTest;
  beforeAll(async () => {
    fleet = [
      await member("region-a", { floor: -15, ceiling: 15 }),
      await member("region-b", { floor: 0, ceiling: 12 }),
      await member("region-c", { floor: -5, ceiling: 15 }),
    ];
    [a, b, c] = (await Promise.all(fleet.map((m) => storeOf(m, fleet)))) as [
      RegionUnderTest,
      RegionUnderTest,
      RegionUnderTest,
    ];
  });

  it("stores each write exactly where its band allows, and never sends a text in clear", async () => {
    const rng = seededRandom(12);
    const written: Array<{ id: string; y: number; text: string }> = [];
    for (let i = 0; i < 40; i++) {
      const y = Math.floor(rng() * 31) - 15;
      const text = `secret-${i}-${Math.floor(rng() * 1e9)}`;
      const { memory } = await a.store.createMemory({ text, x: 1, y, z: 0 });
      written.push({ id: memory.id, y, text });
    }
    const events = (await outboxEvents(pool, a.schema)) as SyncEvent[];
    const wire = JSON.stringify(events);
    for (const { text } of written) expect(wire).not.toContain(text);
    // Content no peer may hold never leaves: an id and y only.
    for (const event of events) {
      const y = event.privacy as number;
      if (y < -5) expect(event.action).toBe("memory.redacted");
      else
        expect(Object.keys(event.sealed?.to ?? {}).sort()).toEqual([
          "region-a",
          ...(y >= 0 && y <= 12 ? ["region-b"] : []),
          "region-c",
        ]);
    }
    await b.store.applyEvents(events);
    await c.store.applyEvents(events);
    for (const { id, y, text } of written) {
      expect((await b.store.getMemory(id))?.text ?? null).toBe(y >= 0 && y <= 12 ? text : null);
      expect((await c.store.getMemory(id))?.text ?? null).toBe(y >= -5 ? text : null);
    }
  });

  it("leaves a region outside the band nothing that opens, whatever keys it holds", async () => {
    const { memory } = await a.store.createMemory({ text: "only for c", x: 1, y: 14, z: 0 });
    const event = ((await outboxEvents(pool, a.schema)) as SyncEvent[]).find(
      (e) => e.entity_id === memory.id,
    ) as SyncEvent;
    const [, memberB, memberC] = fleet as [Member, Member, Member];
    expect(await openEvent(event, memberB.keyring)).toEqual({ ok: false, reason: "not-addressed" });
    // b's own key under c's name opens nothing either: the wrap is bound to c's key.
    const posing = { ...memberB.keyring, region: "region-c" };
    expect(await openEvent(event, posing)).toEqual({ ok: false, reason: "undecryptable" });
    const opened = await openEvent(event, memberC.keyring);
    expect(opened.ok && opened.event.payload?.text).toBe("only for c");
  });

  it("redacts where a record leaves the band and shows it where it enters", async () => {
    const { memory } = await a.store.createMemory({ text: "moving", x: 1, y: 5, z: 0 });
    await a.store.updateMemory(memory.id, { y: -3, text: "moved" });
    const events = ((await outboxEvents(pool, a.schema)) as SyncEvent[]).filter(
      (e) => e.entity_id === memory.id,
    );
    await b.store.applyEvents(events.slice(0, 1));
    expect((await b.store.getMemory(memory.id))?.text).toBe("moving");
    await b.store.applyEvents(events);
    await c.store.applyEvents(events);
    expect(await b.store.getMemory(memory.id)).toBeUndefined();
    expect((await c.store.getMemory(memory.id))?.text).toBe("moved");
  });
});

describe("team spaces", () => {
  it("delivers a team's records only to regions serving its space, and counts the drops", async () => {
    const fleet = [
      await member("region-a", { floor: -15, ceiling: 15 }),
      await member("region-b", { floor: -15, ceiling: 15 }, ["alpha"]),
      await member("region-c", { floor: -15, ceiling: 15 }, ["bravo"]),
    ];
    const [a, b, c] = (await Promise.all(fleet.map((m) => storeOf(m, fleet)))) as [
      RegionUnderTest,
      RegionUnderTest,
      RegionUnderTest,
    ];
    const alpha = await a.store.createMemory({
      text: "alpha plan",
      x: 1,
      y: 3,
      z: 0,
      team: "alpha",
    });
    const bravo = await a.store.createMemory({
      text: "bravo plan",
      x: 1,
      y: 3,
      z: 0,
      team: "bravo",
    });
    const shared = await a.store.createMemory({ text: "for all", x: 1, y: 3, z: 0 });
    const events = (await outboxEvents(pool, a.schema)) as SyncEvent[];
    expect(events.map((e) => e.namespace)).toEqual([
      "prod-shared:team-alpha",
      "prod-shared:team-bravo",
      "prod-shared",
    ]);
    // Sealed only for the regions serving the space (and the origin).
    expect(Object.keys(events[0]?.sealed?.to ?? {}).sort()).toEqual(["region-a", "region-b"]);
    const atB = await b.store.applyEvents(events);
    const atC = await c.store.applyEvents(events);
    expect(atB.counts.namespace).toBe(1);
    expect(atC.counts.namespace).toBe(1);
    expect((await b.store.getMemory(alpha.memory.id))?.text).toBe("alpha plan");
    expect(await b.store.getMemory(bravo.memory.id)).toBeUndefined();
    expect((await c.store.getMemory(bravo.memory.id))?.text).toBe("bravo plan");
    expect(await c.store.getMemory(alpha.memory.id)).toBeUndefined();
    for (const store of [b, c])
      expect((await store.store.getMemory(shared.memory.id))?.text).toBe("for all");
    const drops = (await b.store.counters()).find(
      (row) => row.name === "namespace_mismatch_drops_total",
    );
    expect(drops?.value).toBe(1);

    // A record moving from alpha to bravo leaves b and reaches c.
    await a.store.updateMemory(alpha.memory.id, { team: "bravo" });
    const moved = ((await outboxEvents(pool, a.schema)) as SyncEvent[]).slice(3);
    expect(moved.map((e) => [e.action, e.namespace])).toEqual([
      ["memory.redacted", "prod-shared:team-alpha"],
      ["memory.updated", "prod-shared:team-bravo"],
    ]);
    await b.store.applyEvents(moved);
    await c.store.applyEvents(moved);
    expect(await b.store.getMemory(alpha.memory.id)).toBeUndefined();
    expect((await c.store.getMemory(alpha.memory.id))?.team).toBe("bravo");
    // a region serving both keeps the update, not the redaction of the old space
    await a.store.applyEvents([]);
    expect((await a.store.getMemory(alpha.memory.id))?.text).toBe("alpha plan");
  });
});

describe("a key dropped too early", () => {
  it("keeps what it cannot open as a dead letter, sealed, and a retry opens it once the key is back", async () => {
    const fleet = [
      await member("region-a", { floor: -15, ceiling: 15 }),
      await member("region-b", { floor: -15, ceiling: 15 }),
    ];
    const [a, b] = (await Promise.all(fleet.map((m) => storeOf(m, fleet)))) as [
      RegionUnderTest,
      RegionUnderTest,
    ];
    const { memory } = await a.store.createMemory({ text: "sealed for t1", x: 1, y: 2, z: 0 });
    const events = (await outboxEvents(pool, a.schema)) as SyncEvent[];
    // region-b rotated to t2 and dropped t1 while this event was still in flight.
    const rotated = await generateTransitKey("t2");
    const withoutOld = await regionStore(pool, {
      region: "region-b",
      schema: b.schema,
      transitKeyring: await createTransitKeyring({
        region: "region-b",
        current: "t2",
        keys: { t2: rotated.privateKey },
      }),
    });
    const report = await withoutOld.store.applyEvents(events);
    expect(report.counts.quarantined).toBe(1);
    expect(await withoutOld.store.getMemory(memory.id)).toBeUndefined();
    const [letter] = await withoutOld.store.listDeadLetters(10);
    expect(letter?.error.message).toMatch(/sealed content does not open \(unknown-key\)/);
    // Kept as it came: still sealed, nothing of it in clear.
    expect(letter?.event).toHaveProperty("sealed");
    const id = letter?.event_id as string;
    expect(await withoutOld.store.retryDeadLetter(id)).toMatchObject({ status: "failed" });

    // The old key is back beside the new one: the retry opens it.
    const [, memberB] = fleet as [Member, Member];
    const restored = await regionStore(pool, {
      region: "region-b",
      schema: b.schema,
      transitKeyring: {
        ...memberB.keyring,
        ids: [...memberB.keyring.ids, "t2"],
      },
    });
    expect(await restored.store.retryDeadLetter(id)).toMatchObject({
      status: "applied",
    });
    expect((await restored.store.getMemory(memory.id))?.text).toBe("sealed for t1");
  });
});
