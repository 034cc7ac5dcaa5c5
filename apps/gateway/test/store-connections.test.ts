import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningRegion } from "../local/region.js";
import { DEFAULT_POOL_MAX, poolApplicationName } from "../src/store-pool/neon.js";
import { call, eventually, type Regions, startRegions } from "./harness.js";

/**
 * Store connections outlive requests: the region's `StorePool` object lends them, the
 * puller keeps its own between cycles. Seen from Postgres (`pg_stat_activity` by
 * application_name): the same backends serve request after request, never more than the
 * pool's size, and a connection Postgres drops is replaced.
 */

let regions: Regions;
let a: RunningRegion;
let db: pg.Client;
beforeAll(async () => {
  regions = await startRegions({ backend: "redis" });
  a = regions.region("region-a");
  db = new pg.Client({ connectionString: inject("localServices").postgresUrl });
  await db.connect();
});
afterAll(async () => {
  await regions?.stop();
  await db?.end();
});

const schemaA = () => a.vars.STORE_SCHEMA as string;

async function backends(user: "requests" | "puller"): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>(
    "select pid from pg_stat_activity where application_name = $1 order by pid",
    [poolApplicationName("region-a", schemaA(), user)],
  );
  return rows.map((row) => row.pid);
}

/** `n` writes and reads of region-a, each answered as it should be. */
async function traffic(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const created = await call(a, "/memory", {
      method: "POST",
      json: { text: `pooled ${i}`, y: 3 },
    });
    expect(created.status).toBe(201);
    const { memory } = (await created.json()) as { memory: { id: string } };
    expect((await call(a, `/memory/${memory.id}`)).status).toBe(200);
  }
}

describe("store connections across requests", () => {
  it("serves request after request on the same backends, never more than the pool holds", async () => {
    await traffic(10);
    const before = await backends("requests");
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThanOrEqual(DEFAULT_POOL_MAX);
    await traffic(30);
    const after = await backends("requests");
    // Opened per request, 60 more requests would have meant 60 new backends.
    expect(after.filter((pid) => !before.includes(pid))).toEqual([]);
    expect(after.length).toBeLessThanOrEqual(DEFAULT_POOL_MAX);
  });

  it("the puller keeps its connections between cycles", async () => {
    const before = await eventually(async () => {
      const pids = await backends("puller");
      return pids.length > 0 ? pids : undefined;
    });
    await traffic(10);
    const after = await backends("puller");
    expect(after.length).toBeLessThanOrEqual(2);
    expect(after.filter((pid) => !before.includes(pid))).toEqual([]);
  });

  it("replaces connections Postgres dropped, and the region keeps answering", async () => {
    await traffic(2);
    const dropped = await backends("requests");
    await db.query("select pg_terminate_backend(pid) from unnest($1::int[]) as pid", [dropped]);
    // The pool learns of a drop when its socket closes; a request that raced it is refused
    // as retryable (503), never answered wrongly. Within a few tries the region answers.
    await eventually(async () => {
      const answer = await call(a, "/memory", {
        method: "POST",
        json: { text: "after the drop", y: 3 },
      });
      if (answer.status !== 201) {
        expect(answer.status).toBe(503);
        return undefined;
      }
      return true;
    }, 10_000);
    await traffic(3);
    const now = await backends("requests");
    expect(now.length).toBeGreaterThan(0);
    expect(now.filter((pid) => dropped.includes(pid))).toEqual([]);
  });
});
