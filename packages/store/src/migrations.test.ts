import { afterAll, expect, it } from "vitest";
import { MIGRATIONS, migrate } from "./migrations.js";
import { dropSchemas, testPool, uniqueName } from "./store.testkit.js";

const pool = testPool();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

it("migrates once even when several isolates start at the same moment", async () => {
  const schema = uniqueName("st_mig");
  schemas.push(schema);
  const versions = await Promise.all(Array.from({ length: 6 }, () => migrate(pool, schema)));
  expect(new Set(versions)).toEqual(new Set([MIGRATIONS.length]));
  const { rows } = await pool.query(`select count(*)::int as n from "${schema}".schema_migrations`);
  expect(rows[0].n).toBe(MIGRATIONS.length);
  expect(await migrate(pool, schema)).toBe(MIGRATIONS.length);
});

it("refuses a schema name that is not a plain identifier, before any SQL", async () => {
  await expect(migrate(pool, 'x"; drop table y; --')).rejects.toThrow(/schema must match/);
});
