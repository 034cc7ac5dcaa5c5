import {
  formatHlc,
  newEventId,
  type SyncEvent,
  signEvent,
  type TransportMessage,
  type UnsignedSyncEvent,
} from "@memoria/sync-core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { EVERY_TEAM } from "./context.js";
import { heldForm } from "./events.js";
import { dropSchemas, type RegionUnderTest, regionStore, testPool } from "./store.testkit.js";

/**
 * A verified event that cannot be applied is quarantined, and the rest of its batch still
 * applies once (`apply-isolate.ts`); operators retry or discard it (`apply-retry.ts`,
 * `dead-letters.ts`). The poison is what the peer's own database refuses: a CHECK added to
 * its table (a cause an operator can fix, then retry), or text jsonb cannot hold.
 */

const pool = testPool();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

/** Region B (band 0..12) whose table refuses any text containing "poison". */
async function peer(): Promise<RegionUnderTest> {
  const b = await regionStore(pool, { region: "region-b", band: { floor: 0, ceiling: 12 } });
  schemas.push(b.schema);
  await pool.query(
    `alter table "${b.schema}".memories add constraint no_poison check (text not like '%poison%' and id not like 'poison%')`,
  );
  return b;
}

const cure = (b: RegionUnderTest) =>
  pool.query(`alter table "${b.schema}".memories drop constraint no_poison`);

let wall = Date.now();

/** A create or update from region-a, signed with the key both regions hold. */
async function event(
  b: RegionUnderTest,
  text: string,
  options: { y?: number; entityId?: string; action?: "memory.created" | "memory.updated" } = {},
): Promise<SyncEvent> {
  wall += 1;
  const y = options.y ?? 5;
  const unsigned: UnsignedSyncEvent = {
    v: 1,
    id: newEventId(wall),
    action: options.action ?? "memory.created",
    entity_type: "memory",
    entity_id: options.entityId ?? newEventId(wall),
    namespace: "prod-shared",
    origin: "region-a",
    hlc: formatHlc({ wall, counter: 0, node: "region-a" }),
    privacy: y,
    created_at: new Date(wall).toISOString(),
    payload: {
      text,
      x: 0,
      y,
      z: 0,
      anchor: "",
      tokens: 0,
      symbolic_anchors: [],
      team: null,
      timestamp: new Date(wall).toISOString(),
    },
  };
  return signEvent(unsigned, b.keyring);
}

async function ledger(b: RegionUnderTest, ids: string[]): Promise<Map<string, string>> {
  const { rows } = await pool.query(
    `select event_id, outcome from "${b.schema}".applied_events where event_id = any($1::text[])`,
    [ids],
  );
  return new Map(rows.map((row) => [row.event_id as string, row.outcome as string]));
}

async function texts(b: RegionUnderTest, entityIds: string[]): Promise<Map<string, string>> {
  const { rows } = await pool.query(
    `select id, text from "${b.schema}".memories where id = any($1::text[])`,
    [entityIds],
  );
  return new Map(rows.map((row) => [row.id as string, row.text as string]));
}

async function counter(b: RegionUnderTest, name: string): Promise<number> {
  return (await b.store.counters())
    .filter((row) => row.name === name)
    .reduce((sum, row) => sum + row.value, 0);
}

describe("a poison event in a batch", () => {
  it("is quarantined with its error; the events around it apply, once", async () => {
    const b = await peer();
    const before = await event(b, "before");
    const poison = await event(b, "a poison pill");
    const after = await event(b, "after");
    const report = await b.store.applyEvents([before, poison, after]);
    expect(report.counts).toMatchObject({ applied: 2, quarantined: 1 });
    expect(report.outcomes.get(poison.id)).toBe("quarantined");
    expect(await texts(b, [before.entity_id, poison.entity_id, after.entity_id])).toEqual(
      new Map([
        [before.entity_id, "before"],
        [after.entity_id, "after"],
      ]),
    );
    const [letter, ...others] = await b.store.listDeadLetters();
    expect(others).toEqual([]);
    expect(letter).toMatchObject({
      event_id: poison.id,
      origin: "region-a",
      action: "memory.created",
      entity_id: poison.entity_id,
      attempts: 1,
      error: { code: "23514" },
      event: poison,
    });
    expect(letter?.error.message).toContain("no_poison");
    expect(await b.store.countDeadLetters()).toMatchObject({ count: 1 });
    expect(await counter(b, "sync_dead_letters_total")).toBe(1);
    expect(await counter(b, "sync_events_applied_total")).toBe(2);
    // Handled in the ledger: redelivery is a duplicate, not a second failure.
    expect((await ledger(b, [poison.id])).get(poison.id)).toBe("quarantined");
    const again = await b.store.applyEvents([before, poison, after]);
    expect(again.counts).toMatchObject({ duplicate: 3, quarantined: 0, applied: 0 });
    expect((await b.store.listDeadLetters())[0]?.attempts).toBe(1);
  });

  it("property: poisons anywhere in a batch, with redeliveries — every good event applied once, every poison quarantined once", async () => {
    const b = await peer();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        async (poisoned, repeats) => {
          const events = await Promise.all(
            poisoned.map((bad, i) => event(b, bad ? `poison ${i}` : `good ${i}`)),
          );
          const redelivered = repeats.map((n) => events[n % events.length] as SyncEvent);
          const report = await b.store.applyEvents([...events, ...redelivered]);
          const good = events.filter((_, i) => !poisoned[i]);
          const bad = events.filter((_, i) => poisoned[i]);
          expect(report.counts).toMatchObject({
            applied: good.length,
            quarantined: bad.length,
            duplicate: redelivered.length,
          });
          const outcomes = await ledger(
            b,
            events.map((e) => e.id),
          );
          for (const e of good) expect(outcomes.get(e.id)).toBe("applied");
          for (const e of bad) expect(outcomes.get(e.id)).toBe("quarantined");
          const stored = await texts(
            b,
            events.map((e) => e.entity_id),
          );
          expect([...stored.keys()].sort()).toEqual(good.map((e) => e.entity_id).sort());
          const { rows } = await pool.query(
            `select event_id, attempts from "${b.schema}".dead_letters where event_id = any($1::text[])`,
            [events.map((e) => e.id)],
          );
          expect(rows.map((row) => row.event_id).sort()).toEqual(bad.map((e) => e.id).sort());
          expect(rows.every((row) => row.attempts === 1)).toBe(true);
        },
      ),
      { numRuns: 20, seed: 1414 },
    );
  });

  it("a lone surrogate or a NUL, which jsonb cannot hold, does not stop the batch either", async () => {
    const b = await peer();
    const good = await event(b, "good");
    const surrogate = await event(b, "lone \ud800 surrogate");
    const nul = await event(b, "nul \u0000 byte");
    const report = await b.store.applyEvents([surrogate, good, nul]);
    expect(report.counts.applied).toBe(1);
    // Refused here or by a stricter payload rule upstream: never applied, never blocking.
    for (const bad of [surrogate, nul])
      expect(["quarantined", "invalid-payload"]).toContain(report.outcomes.get(bad.id));
    expect(await texts(b, [good.entity_id, surrogate.entity_id, nul.entity_id])).toEqual(
      new Map([[good.entity_id, "good"]]),
    );
    const letters = await b.store.listDeadLetters();
    expect(letters).toHaveLength(report.counts.quarantined);
    for (const letter of letters) {
      expect(["22P02", "22P05"]).toContain(letter.error.code);
      // Kept as received: the body round-trips, lone surrogate and all.
      expect([surrogate, nul]).toContainEqual(letter.event);
    }
  });

  it("a failure of the schema, not of an event, quarantines nothing and fails the batch", async () => {
    const b = await peer();
    const good = await event(b, "good");
    await pool.query(`alter table "${b.schema}".memories rename to memories_elsewhere`);
    await expect(b.store.applyEvents([good])).rejects.toMatchObject({ code: "42P01" });
    await pool.query(`alter table "${b.schema}".memories_elsewhere rename to memories`);
    expect(await b.store.listDeadLetters()).toEqual([]);
    expect((await b.store.applyEvents([good])).counts.applied).toBe(1);
  });

  it("keeps an event outside the band without its content", async () => {
    const b = await peer();
    const secret = await event(b, "a secret outside the band", {
      y: -12,
      entityId: `poison-${crypto.randomUUID()}`,
    });
    const report = await b.store.applyEvents([secret]);
    expect(report.outcomes.get(secret.id)).toBe("quarantined");
    const { rows } = await pool.query(`select body from "${b.schema}".dead_letters`);
    expect(rows).toHaveLength(1);
    expect(rows[0].body).not.toContain("secret");
    const [letter] = await b.store.listDeadLetters();
    expect(letter).toMatchObject({ redacted: "privacy", event: { id: secret.id } });
    expect(letter?.event).not.toHaveProperty("payload");
  });

  it("through applyMessages (the consumer's and catch-up's path) it is counted, not thrown", async () => {
    const b = await peer();
    const bodies = [await event(b, "fine"), await event(b, "poison")].map((e) => JSON.stringify(e));
    const messages: TransportMessage[] = bodies.map((body, i) => ({
      cursor: `${i + 1}-0`,
      body,
      publishedAt: Date.now(),
      deliveries: 1,
    }));
    const report = await b.store.applyMessages(messages, b.keyring);
    expect(report).toMatchObject({ rejected: 0, apply: { applied: 1, quarantined: 1 } });
  });
});

describe("operators and dead letters", () => {
  it("a retry fails while the cause is there, and applies once it is fixed", async () => {
    const b = await peer();
    const poison = await event(b, "poison, for now");
    await b.store.applyEvents([poison]);
    const failed = await b.store.retryDeadLetter(poison.id);
    expect(failed).toMatchObject({ status: "failed", attempts: 2, error: { code: "23514" } });
    expect(await texts(b, [poison.entity_id])).toEqual(new Map());
    await cure(b);
    expect(await b.store.retryDeadLetter(poison.id)).toEqual({
      status: "applied",
      outcome: "applied",
    });
    expect(await texts(b, [poison.entity_id])).toEqual(
      new Map([[poison.entity_id, "poison, for now"]]),
    );
    expect(await b.store.listDeadLetters()).toEqual([]);
    expect((await ledger(b, [poison.id])).get(poison.id)).toBe("applied");
    expect(await b.store.retryDeadLetter(poison.id)).toBeUndefined();
    // Applied exactly once: redelivery is a duplicate.
    expect((await b.store.applyEvents([poison])).counts.duplicate).toBe(1);
  });

  it("a retried update does not overwrite a newer state that won meanwhile", async () => {
    const b = await peer();
    const created = await event(b, "v1");
    const stale = await event(b, "v2 poison", {
      action: "memory.updated",
      entityId: created.entity_id,
    });
    const newer = await event(b, "v3", { action: "memory.updated", entityId: created.entity_id });
    await b.store.applyEvents([created, stale]);
    await b.store.applyEvents([newer]);
    await cure(b);
    expect(await b.store.retryDeadLetter(stale.id)).toEqual({
      status: "applied",
      outcome: "unchanged",
    });
    expect(await texts(b, [created.entity_id])).toEqual(new Map([[created.entity_id, "v3"]]));
    expect(await b.store.countDeadLetters()).toEqual({ count: 0, oldest_at: null });
  });

  it("a discarded dead letter is gone, and stays handled", async () => {
    const b = await peer();
    const poison = await event(b, "poison to forget");
    await b.store.applyEvents([poison]);
    expect(await b.store.discardDeadLetter(poison.id)).toMatchObject({ event_id: poison.id });
    expect(await b.store.discardDeadLetter(poison.id)).toBeUndefined();
    expect(await b.store.listDeadLetters()).toEqual([]);
    await cure(b);
    expect((await b.store.applyEvents([poison])).counts.duplicate).toBe(1);
    expect((await ledger(b, [poison.id])).get(poison.id)).toBe("discarded");
    expect(await texts(b, [poison.entity_id])).toEqual(new Map());
  });
});

describe("heldForm: what a region may show of an event", () => {
  const self = {
    namespace: "prod-shared",
    region: "region-b",
    band: { floor: 0, ceiling: 12 },
    spaces: EVERY_TEAM,
  };

  it("shows an event inside the band, or its own, whole", async () => {
    const b = await peer();
    const inside = await event(b, "public");
    expect(heldForm(inside, self)).toEqual({ event: inside });
    expect(
      heldForm(inside, { ...self, region: "region-a", band: { floor: 6, ceiling: 6 } }),
    ).toEqual({ event: inside });
  });

  it("removes the content (and the signature) outside the band or of another tenant", async () => {
    const b = await peer();
    const outside = await event(b, "private words", { y: -12 });
    const held = heldForm(outside, self);
    expect(held.redacted).toBe("privacy");
    expect(JSON.stringify(held.event)).not.toContain("private words");
    expect(held.event).not.toHaveProperty("sig");
    expect(held.event).toMatchObject({
      id: outside.id,
      entity_id: outside.entity_id,
      privacy: -12,
    });
    const foreign = heldForm(outside, {
      ...self,
      namespace: "other",
      band: { floor: -15, ceiling: 15 },
    });
    expect(foreign.redacted).toBe("namespace");
    expect(foreign.event).not.toHaveProperty("payload");
  });
});
