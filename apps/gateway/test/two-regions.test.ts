import { createKeyring, type SyncEvent, signEvent, syncHealthSchema } from "@memoria/sync-core";
import { syncBackends } from "@memoria/transports";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningRegion } from "../local/region.js";
import {
  API_KEY,
  type Backend,
  call,
  eventually,
  type Regions,
  SIGNING_KEYS,
  startRegions,
} from "./harness.js";
import { injector, unsignedCreate } from "./inject.js";
import { metricValue } from "./metrics.js";

interface MemoryBody {
  memory: { id: string; text: string; x: number; y: number };
  sync_token: string;
}

async function create(regions: Regions, body: Record<string, unknown>): Promise<MemoryBody> {
  const response = await call(regions.region("region-a"), "/memory", {
    method: "POST",
    json: body,
  });
  expect(response.status).toBe(201);
  return (await response.json()) as MemoryBody;
}

async function seenIn(region: RunningRegion, id: string): Promise<MemoryBody["memory"] | null> {
  const response = await call(region, `/memory/${id}`);
  if (response.status === 404) return null;
  expect(response.status).toBe(200);
  return ((await response.json()) as MemoryBody).memory;
}

/** Writes a public marker in A and waits for B to show it: B has then consumed everything before it. */
async function barrier(regions: Regions): Promise<void> {
  const marker = await create(regions, { text: `marker ${crypto.randomUUID()}`, y: 1 });
  await eventually(async () =>
    (await seenIn(regions.region("region-b"), marker.memory.id)) ? true : undefined,
  );
}

async function metrics(region: RunningRegion): Promise<string> {
  const response = await call(region, "/metrics");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
  return response.text();
}

for (const backend of ["redis", "postgres"] as Backend[]) {
  describe(`two gateways over ${backend}`, () => {
    let regions: Regions;
    let a: RunningRegion;
    let b: RunningRegion;
    beforeAll(async () => {
      regions = await startRegions({ backend });
      a = regions.region("region-a");
      b = regions.region("region-b");
    });
    afterAll(async () => {
      await regions?.stop();
    });

    it("a public memory written in A is readable in B, carried by the live loop (no cron)", async () => {
      const started = Date.now();
      const { memory, sync_token } = await create(regions, {
        text: "the tide comes in twice a day",
        y: 5,
        x: 3,
        z: -1,
        symbolic_anchors: ["tide"],
      });
      expect(sync_token).toMatch(/^\d{15}:\d{5}:region-a$/);
      const copy = await eventually(() => seenIn(b, memory.id).then((m) => m ?? undefined));
      expect(copy).toMatchObject({ text: "the tide comes in twice a day", y: 5, x: 3 });
      console.log(`[${backend}] A→B propagation through the gateways: ${Date.now() - started} ms`);
    });

    it("PUT changes only the fields it sends, in both regions", async () => {
      const { memory } = await create(regions, {
        text: "v1",
        y: 5,
        x: 7,
        z: 2,
        anchor: "a",
        tokens: 9,
        symbolic_anchors: ["s"],
        team: "alpha",
      });
      const put = await call(a, `/memory/${memory.id}`, {
        method: "PUT",
        json: { text: "v2" },
      });
      expect(put.status).toBe(200);
      const expected = {
        text: "v2",
        y: 5,
        x: 7,
        z: 2,
        anchor: "a",
        tokens: 9,
        symbolic_anchors: ["s"],
        team: "alpha",
      };
      expect(((await put.json()) as MemoryBody).memory).toMatchObject(expected);
      await eventually(async () =>
        (await seenIn(b, memory.id))?.text === "v2" ? true : undefined,
      );
      expect(await seenIn(b, memory.id)).toMatchObject(expected);
    });

    it("a private memory (y=-12, B's floor 0) never reaches B", async () => {
      const { memory } = await create(regions, { text: "my private note", y: -12 });
      await barrier(regions);
      expect(await seenIn(b, memory.id)).toBeNull();
      expect((await seenIn(a, memory.id))?.text).toBe("my private note");
    });

    it("updating a public memory to private removes B's copy", async () => {
      const { memory } = await create(regions, { text: "public for now", y: 4 });
      await eventually(() => seenIn(b, memory.id).then((m) => m ?? undefined));
      const update = await call(a, `/memory/${memory.id}`, {
        method: "PUT",
        json: { y: -12 },
      });
      expect(update.status).toBe(200);
      await eventually(async () => ((await seenIn(b, memory.id)) === null ? true : undefined));
      const list = (await (await call(b, "/memory?limit=200")).json()) as {
        items: Array<{ id: string }>;
      };
      expect(list.items.map((m) => m.id)).not.toContain(memory.id);
    });

    it("rejects and counts forged and unsigned events; drops and counts a foreign namespace", async () => {
      const publisher = injector(regions);
      try {
        const before = await metrics(b);
        const forgedKeys = await createKeyring({
          current: "k1",
          keys: { k1: "not-the-real-key-0123456789abcdefXYZ" },
        });
        const realKeys = await createKeyring({ current: "k1", keys: SIGNING_KEYS });
        const forged = await signEvent(
          unsignedCreate(regions, { payload: { text: "forged" } }),
          forgedKeys,
        );
        const bare = unsignedCreate(regions) as SyncEvent;
        const foreign = await signEvent(
          unsignedCreate(regions, { namespace: "some-other-tenant" }),
          realKeys,
        );
        await publisher.publish([forged, bare, foreign]);
        await barrier(regions);
        const after = await metrics(b);
        expect(
          metricValue(after, "sync_bad_signature_total", { reason: "mismatch" }) -
            metricValue(before, "sync_bad_signature_total", { reason: "mismatch" }),
        ).toBe(1);
        expect(
          metricValue(after, "sync_bad_signature_total", { reason: "missing" }) -
            metricValue(before, "sync_bad_signature_total", { reason: "missing" }),
        ).toBe(1);
        expect(
          metricValue(after, "namespace_mismatch_drops_total") -
            metricValue(before, "namespace_mismatch_drops_total"),
        ).toBe(1);
        for (const event of [forged, bare, foreign])
          expect(await seenIn(b, event.entity_id)).toBeNull();
      } finally {
        await publisher.close();
      }
    });

    it("catch-up counts a replayed forged event like the live consumer does", async () => {
      const publisher = injector(regions);
      try {
        const since = new Date(Date.now() - 1).toISOString();
        const forgedKeys = await createKeyring({
          current: "k1",
          keys: { k1: "not-the-real-key-0123456789abcdefXYZ" },
        });
        const forged = await signEvent(
          unsignedCreate(regions, { payload: { text: "forged again" } }),
          forgedKeys,
        );
        await publisher.publish([forged]);
        await barrier(regions);
        const before = await metrics(b);
        const response = await call(b, "/sync/catch-up", {
          method: "POST",
          key: API_KEY,
          json: { since },
        });
        expect(response.status).toBe(200);
        const totals = (await response.json()) as { read: number; rejected: number };
        expect(totals.rejected).toBe(1);
        expect(totals.read).toBeGreaterThanOrEqual(2);
        const after = await metrics(b);
        expect(
          metricValue(after, "sync_bad_signature_total", { reason: "mismatch" }) -
            metricValue(before, "sync_bad_signature_total", { reason: "mismatch" }),
        ).toBe(1);
        expect(await seenIn(b, forged.entity_id)).toBeNull();
      } finally {
        await publisher.close();
      }
    });

    it("duplicate cron runs and two would-be leaders decrement once per day", async () => {
      const { memory } = await create(regions, { text: "getting older", y: 5, x: 10 });
      await eventually(() => seenIn(b, memory.id).then((m) => m ?? undefined));
      const today = new Date();
      await Promise.all([a.scheduled("* * * * *", today), b.scheduled("* * * * *", today)]);
      const tomorrow = new Date(today.getTime() + 86_400_000);
      await Promise.all([
        a.scheduled("* * * * *", tomorrow),
        a.scheduled("* * * * *", tomorrow),
        b.scheduled("* * * * *", tomorrow),
        b.scheduled("* * * * *", tomorrow),
      ]);
      // B takes over (new fencing token) and runs the same day again: still one decrement.
      expect((await call(b, "/admin/promote", { method: "POST", key: API_KEY })).status).toBe(200);
      await b.scheduled("* * * * *", tomorrow);
      await a.scheduled("* * * * *", tomorrow);
      await barrier(regions);
      await eventually(async () => ((await seenIn(a, memory.id))?.x === 9 ? true : undefined));
      await eventually(async () => ((await seenIn(b, memory.id))?.x === 9 ? true : undefined));
      // And it stays there: nothing else is in flight.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await seenIn(a, memory.id))?.x).toBe(9);
      expect((await seenIn(b, memory.id))?.x).toBe(9);
      const health = (await (await call(b, "/health/sync")).json()) as {
        role: string;
        leader: { holder: string };
      };
      expect(health.role).toBe("writer");
      expect(health.leader.holder).toBe("region-b");

      // Missed days are caught up in order: three days later, three more decrements.
      await b.scheduled("* * * * *", new Date(today.getTime() + 4 * 86_400_000));
      await eventually(async () => ((await seenIn(a, memory.id))?.x === 6 ? true : undefined));
      expect((await seenIn(b, memory.id))?.x).toBe(6);

      // scheduler.enabled = false stops it (a standby region), without a restart.
      const off = await call(b, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "scheduler.enabled": false },
      });
      expect(off.status).toBe(200);
      await b.scheduled("* * * * *", new Date(today.getTime() + 6 * 86_400_000));
      await barrier(regions);
      expect((await seenIn(b, memory.id))?.x).toBe(6);
      await call(b, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "scheduler.enabled": null },
      });
    });

    it("PATCH /settings changes B's band on the next request, without a restart", async () => {
      // Sealed transit: A seals for B's row in A's table, so widening B takes both — B's
      // band, and B's row in every region's table (B's own too, or it warns).
      const widenedTable = regions.regionTable.map((row) =>
        row.id === "region-b" ? { ...row, privacy_floor: -15 } : row,
      );
      // B's band alone first: B serves on, and says its row in the tables is now stale.
      const alone = await call(b, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "sync.privacy_floor": -15 },
      });
      expect(alone.status).toBe(200);
      const stale = (await (await call(b, "/health/sync")).json()) as { config_warnings: string[] };
      expect(stale.config_warnings).toEqual([
        expect.stringContaining(
          "this region's row says band 0..12 but sync.privacy_floor/ceiling are -15..12",
        ),
      ]);
      for (const region of [a, b]) {
        const patched = await call(region, "/settings", {
          method: "PATCH",
          key: API_KEY,
          json: {
            regions: widenedTable,
            ...(region === b ? { "sync.privacy_floor": -15 } : {}),
          },
        });
        expect(patched.status).toBe(200);
      }
      const widened = (await (await call(b, "/settings", { key: API_KEY })).json()) as {
        settings: Record<string, unknown>;
      };
      expect(widened.settings["sync.privacy_floor"]).toBe(-15);
      expect(widened.settings["sync.connection_url"]).toBe("***");
      const health = (await (await call(b, "/health/sync")).json()) as {
        config_warnings: string[];
      };
      expect(health.config_warnings).toEqual([]);
      const { memory } = await create(regions, { text: "semi-private research", y: -12 });
      await eventually(() => seenIn(b, memory.id).then((m) => m ?? undefined));
      for (const region of [a, b]) {
        const restored = await call(region, "/settings", {
          method: "PATCH",
          key: API_KEY,
          json: { regions: null, ...(region === b ? { "sync.privacy_floor": null } : {}) },
        });
        expect(restored.status).toBe(200);
      }
      const restored = (await (await call(b, "/settings", { key: API_KEY })).json()) as {
        settings: Record<string, unknown>;
      };
      expect(restored.settings["sync.privacy_floor"]).toBe(0);
    });

    it("keeps its counters across a restart of the region (they live in the store)", async () => {
      const before = metricValue(await metrics(b), "sync_events_applied_total");
      expect(before).toBeGreaterThan(0);
      b = await regions.restart("region-b");
      expect(metricValue(await metrics(b), "sync_events_applied_total")).toBe(before);
    });

    it("reports health and metrics as the playbook names them", async () => {
      const health = (await (await call(a, "/health/sync")).json()) as Record<string, unknown>;
      expect(health).toMatchObject({
        backend,
        namespace: regions.namespace,
        region: "region-a",
        band: { floor: -15, ceiling: 15 },
        enabled: true,
        ready: true,
      });
      expect(health.transport).toMatchObject({ reachable: true });
      // The body is the contract the router parses: every field valid, none it does not know.
      expect(syncHealthSchema.parse(health)).toEqual(health);
      expect(health.config_warnings).toEqual([]);
      // What the backend can do comes from the registry, not from the gateway's own idea.
      expect(health.capabilities).toEqual(syncBackends[backend].capabilities);
      const healthz = await call(b, "/healthz");
      expect(healthz.status).toBe(200);
      expect(healthz.headers.get("x-memoria-region")).toBe("region-b");
      const text = await metrics(a);
      for (const name of [
        "sync_events_published_total",
        "sync_events_applied_total",
        "privacy_filtered_events_total",
        "namespace_mismatch_drops_total",
        "sync_bad_signature_total",
        "sync_lag_events",
        "leader_is_holder",
      ]) {
        expect(text).toMatch(new RegExp(`^${name}(\\{|\\s)`, "m"));
      }
      expect(metricValue(text, "sync_events_published_total", { backend })).toBeGreaterThan(0);
      const textB = await metrics(b);
      expect(
        metricValue(textB, "sync_subscription_latency_seconds_count", { origin: "region-a" }),
      ).toBeGreaterThan(0);
    });
  });
}
