import { afterAll, expect, it } from "vitest";
import { dropSchemas, regionStore, testPool } from "./store.testkit.js";

const pool = testPool();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

it("hands out the overrides only when their version moved, and every change moves it", async () => {
  const { store, schema } = await regionStore(pool, { region: "region-a" });
  schemas.push(schema);
  const first = await store.readSettingsIfChanged(undefined);
  expect(first.overrides).toEqual({});
  expect(await store.readSettingsIfChanged(first.version)).toEqual({ version: first.version });

  await store.writeSettings({ "sync.privacy_floor": 2, "logging.level": "DEBUG" });
  const written = await store.readSettingsIfChanged(first.version);
  expect(written.version).toBeGreaterThan(first.version);
  expect(written.overrides).toEqual({ "sync.privacy_floor": 2, "logging.level": "DEBUG" });
  expect(await store.readSettingsIfChanged(written.version)).toEqual({ version: written.version });

  // Whoever changes the table (an operator's SQL here) moves the version: the trigger does.
  await pool.query(`delete from "${schema}".settings where key = 'logging.level'`);
  const deleted = await store.readSettingsIfChanged(written.version);
  expect(deleted.version).toBeGreaterThan(written.version);
  expect(deleted.overrides).toEqual({ "sync.privacy_floor": 2 });
  await pool.query(`truncate "${schema}".settings`);
  const truncated = await store.readSettingsIfChanged(deleted.version);
  expect(truncated.version).toBeGreaterThan(deleted.version);
  expect(truncated.overrides).toEqual({});
});

it("a change rolled back leaves the version where it was", async () => {
  const { store, schema } = await regionStore(pool, { region: "region-a" });
  schemas.push(schema);
  const { version } = await store.readSettingsIfChanged(undefined);
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query(
      `insert into "${schema}".settings (key, value) values ('sync.privacy_floor', '3')`,
    );
    await client.query("rollback");
  } finally {
    client.release();
  }
  expect(await store.readSettingsIfChanged(version)).toEqual({ version });
});
