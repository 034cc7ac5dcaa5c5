import {
  createKeyring,
  type Keyring,
  type SyncEvent,
  signEvent,
  syncHealthSchema,
} from "@memoria/sync-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningRegion } from "../local/region.js";
import {
  type Backend,
  call,
  eventually,
  type Regions,
  SIGNING_KEYS,
  startRegions,
} from "./harness.js";
import { injector, unsignedCreate } from "./inject.js";
import { metricValue } from "./metrics.js";

/**
 * A poison event — properly signed, but region B's database refuses it — is quarantined
 * as a dead letter while the stream goes on; the operator sees it (list, metric,
 * `/health/sync`) and retries it once the cause is fixed, or discards it. The cause here is
 * a CHECK added to B's table, which an operator can remove (a lone surrogate or a NUL, which
 * jsonb cannot hold, no longer even parses as an event; the store's tests apply those
 * directly). And `/sync/events` in B never hands out content outside B's band.
 */

interface DeadLetterBody {
  dead_letters: Array<{
    event_id: string;
    attempts: number;
    error: { message: string; code: string | null };
    event: { payload?: { text?: string } };
  }>;
  count: number;
}

let db: pg.Client;
beforeAll(async () => {
  db = new pg.Client({ connectionString: inject("localServices").postgresUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
});

let wall = Date.now();
/** A create from region-a as its gateway would sign it, injected on the shared channel. */
async function created(regions: Regions, keys: Keyring, text: string): Promise<SyncEvent> {
  wall = Math.max(wall + 1, Date.now());
  const draft = unsignedCreate(regions, {}, wall);
  return signEvent({ ...draft, payload: { ...draft.payload, text } }, keys);
}

async function textIn(region: RunningRegion, id: string): Promise<string | null> {
  const response = await call(region, `/memory/${id}`);
  if (response.status === 404) return null;
  expect(response.status).toBe(200);
  return ((await response.json()) as { memory: { text: string } }).memory.text;
}

/**
 * Writes a marker in A and waits for B to show it: injected events do not wake B's puller,
 * A's write does, and B has then consumed everything published before the marker.
 */
async function barrier(regions: Regions): Promise<void> {
  const write = await call(regions.region("region-a"), "/memory", {
    method: "POST",
    json: { text: `marker ${crypto.randomUUID()}`, y: 1 },
  });
  expect(write.status).toBe(201);
  const { memory } = (await write.json()) as { memory: { id: string } };
  await eventually(async () =>
    (await textIn(regions.region("region-b"), memory.id)) ? true : undefined,
  );
}

async function deadLetters(region: RunningRegion): Promise<DeadLetterBody> {
  const response = await call(region, "/admin/dead-letters");
  expect(response.status).toBe(200);
  return (await response.json()) as DeadLetterBody;
}

async function metrics(region: RunningRegion): Promise<string> {
  return (await call(region, "/metrics")).text();
}

async function health(region: RunningRegion) {
  return syncHealthSchema.parse(await (await call(region, "/health/sync")).json());
}

for (const backend of ["redis", "postgres"] as Backend[]) {
  describe(`dead letters over ${backend}`, () => {
    let regions: Regions;
    let a: RunningRegion;
    let b: RunningRegion;
    let keys: Keyring;
    let schemaB: string;
    /** B's own database refuses any text with "poison" in it, until `cure`. */
    const cure = () =>
      db.query(`alter table "${schemaB}".memories drop constraint if exists no_poison`);
    const poisonB = async () => {
      await cure();
      await db.query(
        `alter table "${schemaB}".memories add constraint no_poison check (text not like '%poison%') not valid`,
      );
    };

    beforeAll(async () => {
      regions = await startRegions({ backend });
      a = regions.region("region-a");
      b = regions.region("region-b");
      keys = await createKeyring({ current: "k1", keys: SIGNING_KEYS });
      schemaB = b.vars.STORE_SCHEMA as string;
      // The first request migrates B's store.
      expect((await call(b, "/health/sync")).status).toBe(200);
    });
    afterAll(async () => {
      await regions?.stop();
    });

    it("quarantines a poison event between good ones; the good ones apply and lag drains", async () => {
      await poisonB();
      const since = new Date(Date.now() - 1).toISOString();
      const before = await metrics(b);
      const good1 = await created(regions, keys, "good before");
      const poison = await created(regions, keys, `a poison pill ${crypto.randomUUID()}`);
      const good2 = await created(regions, keys, "good after");
      const publisher = injector(regions);
      try {
        await publisher.publish([good1, poison, good2]);
      } finally {
        await publisher.close();
      }
      await barrier(regions);
      expect(await textIn(b, good2.entity_id)).toBe("good after");
      expect(await textIn(b, good1.entity_id)).toBe("good before");
      expect(await textIn(b, poison.entity_id)).toBeNull();

      const listed = await deadLetters(b);
      expect(listed.count).toBe(1);
      expect(listed.dead_letters[0]).toMatchObject({
        event_id: poison.id,
        attempts: 1,
        error: { code: "23514" },
        event: { payload: { text: poison.payload?.text } },
      });
      expect(listed.dead_letters[0]?.error.message).toContain("no_poison");

      const after = await metrics(b);
      expect(
        metricValue(after, "sync_dead_letters_total", { origin: "region-a" }) -
          metricValue(before, "sync_dead_letters_total", { origin: "region-a" }),
      ).toBe(1);
      expect(metricValue(after, "sync_dead_letters_pending", { region: "region-b" })).toBe(1);

      // A warning, not an outage: B stays ready and its lag drains.
      const drained = await eventually(async () => {
        const status = await health(b);
        return status.lag.events === 0 ? status : undefined;
      });
      expect(drained.dead_letters).toMatchObject({ count: 1 });
      expect(drained.dead_letters.oldest_at).not.toBeNull();
      expect(drained.ready).toBe(true);
      expect((await call(b, "/healthz")).status).toBe(200);

      // Catch-up over the same range: 200 with counts, the poison already handled.
      const replay = await call(b, "/sync/catch-up", { method: "POST", json: { since } });
      expect(replay.status).toBe(200);
      expect(await replay.json()).toMatchObject({ rejected: 0, applied: 0, quarantined: 0 });

      // A retry while the cause is there fails, and says why; once fixed, it applies.
      const early = await call(b, `/admin/dead-letters/${poison.id}/retry`, {
        method: "POST",
      });
      expect(early.status).toBe(409);
      expect(early.headers.get("content-type")).toBe("application/problem+json");
      expect(((await early.json()) as { detail: string }).detail).toContain("23514");
      expect((await deadLetters(b)).dead_letters[0]?.attempts).toBe(2);
      await cure();
      const retried = await call(b, `/admin/dead-letters/${poison.id}/retry`, {
        method: "POST",
      });
      expect(retried.status).toBe(200);
      expect(await retried.json()).toEqual({
        event_id: poison.id,
        status: "applied",
        outcome: "applied",
      });
      expect(await textIn(b, poison.entity_id)).toBe(poison.payload?.text);
      expect(await deadLetters(b)).toEqual({ dead_letters: [], count: 0 });
      expect((await health(b)).dead_letters.count).toBe(0);
      expect(
        metricValue(await metrics(b), "sync_dead_letters_pending", { region: "region-b" }),
      ).toBe(0);
    });

    it("discards a dead letter for good: redelivery does not bring it back", async () => {
      await poisonB();
      const since = new Date(Date.now() - 1).toISOString();
      const poison = await created(regions, keys, `poison to forget ${crypto.randomUUID()}`);
      const publisher = injector(regions);
      try {
        await publisher.publish([poison]);
      } finally {
        await publisher.close();
      }
      await barrier(regions);
      expect((await deadLetters(b)).count).toBe(1);
      const path = `/admin/dead-letters/${poison.id}`;
      const discarded = await call(b, path, { method: "DELETE" });
      expect(discarded.status).toBe(200);
      expect(await discarded.json()).toEqual({ event_id: poison.id, status: "discarded" });
      expect((await call(b, path, { method: "DELETE" })).status).toBe(404);
      expect((await call(b, `${path}/retry`, { method: "POST" })).status).toBe(404);
      const bad = await call(b, "/admin/dead-letters/not-an-id", { method: "DELETE" });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors).toEqual([
        expect.objectContaining({ field: "id" }),
      ]);
      await cure();
      const replay = await call(b, "/sync/catch-up", { method: "POST", json: { since } });
      // The poison and the barrier's marker: both handled already, neither applied again.
      expect(await replay.json()).toMatchObject({ applied: 0, duplicate: 2, quarantined: 0 });
      expect(await textIn(b, poison.entity_id)).toBeNull();
      expect((await deadLetters(b)).count).toBe(0);
    });

    it("/sync/events shows no text of a record in any region: outside every peer's band it never left A, inside it is sealed", async () => {
      const since = new Date(Date.now() - 1).toISOString();
      const secret = `private words ${crypto.randomUUID()}`;
      const shared = `shared words ${crypto.randomUUID()}`;
      const ids: string[] = [];
      for (const [text, y] of [
        [secret, -12],
        [shared, 5],
      ] as const) {
        const write = await call(regions.region("region-a"), "/memory", {
          method: "POST",
          json: { text, y },
        });
        expect(write.status).toBe(201);
        ids.push(((await write.json()) as { memory: { id: string } }).memory.id);
      }
      const [privateId, sharedId] = ids as [string, string];
      type Listed = {
        events: Array<{
          event: { entity_id?: string; action?: string; sealed?: { to: object } } | null;
          redacted?: string;
        }>;
      };
      const query = `/sync/events?since=${encodeURIComponent(since)}&limit=1000`;
      const listed = async (region: typeof a) => {
        const text = await (await call(region, query)).text();
        return { text, events: (JSON.parse(text) as Listed).events };
      };
      const seen = await eventually(async () => {
        const view = await listed(a);
        return view.events.some((e) => e.event?.entity_id === sharedId) ? view : undefined;
      });
      for (const view of [seen, await listed(b)]) {
        expect(view.text).not.toContain(secret);
        expect(view.text).not.toContain(shared);
        // y = -12 is outside B's band, the only peer: the stream holds its redaction alone.
        const gone = view.events.find((e) => e.event?.entity_id === privateId);
        expect(gone?.event).toMatchObject({ action: "memory.redacted" });
        expect(gone?.event).not.toHaveProperty("payload");
        expect(gone?.event).not.toHaveProperty("sealed");
        // y = 5 travels sealed for A and B: each sees the ciphertext, never the text.
        const sealed = view.events.find((e) => e.event?.entity_id === sharedId);
        expect(Object.keys(sealed?.event?.sealed?.to ?? {}).sort()).toEqual([
          "region-a",
          "region-b",
        ]);
      }
    });
  });
}
