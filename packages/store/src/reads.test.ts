import { afterAll, expect, it } from "vitest";
import { dropSchemas, regionStore, testPool } from "./store.testkit.js";

const pool = testPool();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

it("lists live memories newest first, filtered by team and x/y/z/time ranges, page by page", async () => {
  const { store, schema } = await regionStore(pool, { region: "region-a" });
  schemas.push(schema);
  const base = Date.UTC(2026, 10, 1);
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    const { memory } = await store.createMemory({
      text: `m${i}`,
      y: i - 3,
      x: i * 2,
      z: -i,
      team: i % 2 === 0 ? "alpha" : "bravo",
      timestamp: new Date(base + i * 86_400_000).toISOString(),
    });
    ids.push(memory.id);
  }
  await store.deleteMemory(ids[6] as string);

  const all = await store.listMemories({ limit: 10 });
  expect(all.items.map((m) => m.text)).toEqual(["m5", "m4", "m3", "m2", "m1", "m0"]);
  expect(all.next).toBeNull();

  const alpha = await store.listMemories({ limit: 10, team: "alpha" });
  expect(alpha.items.map((m) => m.text)).toEqual(["m4", "m2", "m0"]);

  const ranged = await store.listMemories({ limit: 10, yMin: -1, yMax: 1, zMax: -1 });
  expect(ranged.items.map((m) => m.text)).toEqual(["m4", "m3", "m2"]);

  const timed = await store.listMemories({
    limit: 10,
    since: new Date(base + 86_400_000).toISOString(),
    until: new Date(base + 3 * 86_400_000).toISOString(),
  });
  expect(timed.items.map((m) => m.text)).toEqual(["m2", "m1"]);

  // x ranges see the decremented x.
  await store.runDecrement("2026-11-21", 1);
  const xs = await store.listMemories({ limit: 10, xMin: 3, xMax: 7 });
  expect(xs.items.map((m) => [m.text, m.x])).toEqual([
    ["m4", 7],
    ["m3", 5],
    ["m2", 3],
  ]);

  const pages: string[][] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 10; guard++) {
    const page = await store.listMemories({ limit: 4, ...(after ? { after } : {}) });
    pages.push(page.items.map((m) => m.text));
    if (!page.next) break;
    after = page.next;
  }
  expect(pages).toEqual([
    ["m5", "m4", "m3", "m2"],
    ["m1", "m0"],
  ]);
  await expect(store.listMemories({ limit: 4, after: "garbage" })).rejects.toThrow(
    /invalid page cursor/,
  );
});
