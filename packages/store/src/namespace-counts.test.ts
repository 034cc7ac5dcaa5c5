import { afterAll, expect, it } from "vitest";
import { COUNTED_TEAM_SPACES } from "./namespace-counts.js";
import { dropSchemas, regionStore, testPool } from "./store.testkit.js";

const pool = testPool();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

it("counts live records per team space of its own namespace, the largest by name and the rest as one", async () => {
  const { store, schema } = await regionStore(pool, { region: "region-a" });
  schemas.push(schema);
  const other = await regionStore(pool, { region: "region-a", schema, namespace: "another" });
  const teams = Array.from({ length: COUNTED_TEAM_SPACES + 2 }, (_, i) => `t${i}`);
  await Promise.all(teams.map((team) => store.createMemory({ text: team, y: 1, team })));
  await store.createMemory({ text: "second of t0", y: 1, team: "t0" });
  await store.createMemory({ text: "no team", y: 1 });
  const gone = await store.createMemory({ text: "deleted", y: 1, team: "t0" });
  await store.deleteMemory(gone.memory.id);
  await other.store.createMemory({ text: "another tenant", y: 1, team: "t0" });

  const counts = await store.countLiveByTeam();
  expect(counts[0]).toEqual({ team: null, records: 1 });
  expect(counts[1]).toEqual({ team: "t0", records: 2 });
  const named = counts.filter((c) => c.team !== null && c.team !== "*");
  expect(named).toHaveLength(COUNTED_TEAM_SPACES);
  expect(counts.at(-1)).toEqual({ team: "*", records: 2 });
  expect(counts.reduce((sum, c) => sum + c.records, 0)).toBe(teams.length + 2);
});
