import type { SyncBackend } from "@memoria/sync-core";
import type { Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storePool } from "../integration/support.js";
import { API_KEY } from "./deployment.js";
import { readStores, waitForConvergence } from "./observe.js";
import type { RegionName } from "./plan.js";
import { startWorld, type World } from "./world.js";

/**
 * What the chaos runs found, replayed step by step so it fails the same way every time
 * (region B's band is 0..12, A's the full range; a cut is B's or A's transport only):
 *
 * - A delete in a region whose copy has a y outside its band sends no tombstone ("peers
 *   hold a copy only if the record was inside the band"), but a peer can hold a copy the
 *   deleting region did not know of: the same Idempotency-Key replayed in the other
 *   region, or a concurrent edit that took the record back into the band. The peer's copy
 *   outlives the acknowledged delete.
 *   Likewise a write moving y out of the band sends a redaction only if the region's own
 *   previous copy was inside it; when that copy was already private but the peer holds a
 *   newer in-band edit, the peer keeps serving content the record's newest state withdrew.
 * - Promoting a region whose transport is unreachable answers 500.
 */

let db: Pool;
beforeAll(() => {
  db = storePool();
});
afterAll(async () => {
  await db?.end();
});

async function call(
  world: World,
  region: RegionName,
  request: { method: string; path: string; json?: unknown; key?: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { "x-api-key": API_KEY };
  if (request.json !== undefined) headers["content-type"] = "application/json";
  if (request.key !== undefined) headers["idempotency-key"] = request.key;
  const response = await fetch(`${world.url(region)}${request.path}`, {
    method: request.method,
    headers,
    ...(request.json === undefined ? {} : { body: JSON.stringify(request.json) }),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, body };
}

/** Both regions' view of `id` once they have converged: store status and GET status. */
async function finalView(world: World, id: string) {
  expect(await waitForConvergence(world, db, 45_000)).not.toBeNull();
  const { rows } = await readStores(world, db);
  const view = async (region: RegionName) => ({
    live: rows[region].get(id)?.status === "live",
    get: (await call(world, region, { method: "GET", path: `/memory/${id}` })).status,
  });
  return { a: await view("a"), b: await view("b") };
}

const gone = { live: false, get: 404 };

for (const backend of ["redis", "postgres"] as SyncBackend[]) {
  describe(`found by chaos, over ${backend}`, () => {
    let world: World;
    beforeAll(async () => {
      world = await startWorld(backend);
    });
    afterAll(async () => {
      await world?.stop();
    });

    it("an acknowledged delete holds when the other region created the same key meanwhile", async () => {
      await world.cut("b");
      const request = {
        method: "POST",
        path: "/memory",
        json: { text: "k", y: 14 },
        key: `k-${backend}`,
      };
      const inB = await call(world, "b", request);
      const inA = await call(world, "a", request);
      expect([inB.status, inA.status, inA.body.memory_id]).toEqual([201, 201, inB.body.memory_id]);
      const id = String(inB.body.memory_id);
      expect((await call(world, "b", { method: "DELETE", path: `/memory/${id}` })).status).toBe(
        200,
      );
      await world.heal("b");
      expect(await finalView(world, id)).toEqual({ a: gone, b: gone });
    });

    it("an acknowledged delete holds when the other region edited the record meanwhile", async () => {
      const created = await call(world, "a", {
        method: "POST",
        path: "/memory",
        json: { text: "e", y: 5 },
      });
      const id = String(created.body.memory_id);
      expect(await finalView(world, id)).toMatchObject({ b: { live: true } });
      await world.cut("a");
      const path = `/memory/${id}`;
      const moved = await call(world, "b", { method: "PUT", path, json: { y: 14 } });
      const edited = await call(world, "a", { method: "PUT", path, json: { text: "edited in A" } });
      const deleted = await call(world, "b", { method: "DELETE", path });
      expect([moved.status, edited.status, deleted.status]).toEqual([200, 200, 200]);
      await world.heal("a");
      expect(await finalView(world, id)).toEqual({ a: gone, b: gone });
    });

    it("a record B moved out of its band is withdrawn from A even when B's view was already private", async () => {
      const created = await call(world, "a", {
        method: "POST",
        path: "/memory",
        json: { text: "m", y: 5 },
      });
      const id = String(created.body.memory_id);
      expect(await finalView(world, id)).toMatchObject({ b: { live: true } });
      await world.cut("a");
      const path = `/memory/${id}`;
      const out = await call(world, "b", { method: "PUT", path, json: { y: 13 } });
      const edited = await call(world, "a", { method: "PUT", path, json: { text: "edited in A" } });
      const further = await call(world, "b", { method: "PUT", path, json: { y: 14 } });
      expect([out.status, edited.status, further.status]).toEqual([200, 200, 200]);
      await world.heal("a");
      // B's last write (y 14) is the record's newest state: private to B, so A holds none.
      expect(await finalView(world, id)).toEqual({ a: gone, b: { live: true, get: 200 } });
    });

    it("promoting a region cut off from its transport is refused with a 503, not a 500", async () => {
      await world.cut("b");
      try {
        const promoted = await call(world, "b", { method: "POST", path: "/admin/promote" });
        expect(promoted.status).toBe(503);
      } finally {
        await world.heal("b");
      }
    });
  });
}
