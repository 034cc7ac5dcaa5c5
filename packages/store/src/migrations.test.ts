import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS, migrate } from "./migrations.js";
import { CONTENT, CONTENT_NAMES, type SqlType, tableColumns } from "./record.js";
import { CONTENT_CHECK } from "./record-sql.js";
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

/** What information_schema calls each of the definition's SQL types. */
const INFORMATION_SCHEMA_TYPE: Record<SqlType, string> = {
  text: "text",
  integer: "integer",
  "double precision": "double precision",
  timestamptz: "timestamp with time zone",
  jsonb: "jsonb",
};

/** A non-null value of each SQL type, for rows that must be refused. */
const SAMPLE: Record<SqlType, string> = {
  text: "'x'",
  integer: "1",
  "double precision": "1",
  timestamptz: "now()",
  jsonb: `'["x"]'::jsonb`,
};

describe("the migrated table is the record definition", () => {
  it("has exactly the definition's columns and SQL types", async () => {
    const schema = uniqueName("st_mig");
    schemas.push(schema);
    await migrate(pool, schema);
    const { rows } = await pool.query(
      `select column_name, data_type from information_schema.columns
       where table_schema = $1 and table_name = 'memories' order by column_name`,
      [schema],
    );
    const expected = tableColumns()
      .map(([name, type]) => ({ column_name: name, data_type: INFORMATION_SCHEMA_TYPE[type] }))
      .sort((a, b) => (a.column_name < b.column_name ? -1 : 1));
    expect(rows).toEqual(expected);
  });

  it("its CHECK covers status and every content column, and nothing else", async () => {
    const schema = uniqueName("st_mig");
    schemas.push(schema);
    await migrate(pool, schema);
    const { rows } = await pool.query(
      `select a.attname from pg_constraint c
       join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
       where c.conrelid = $1::regclass and c.conname = $2 order by a.attname`,
      [`"${schema}".memories`, CONTENT_CHECK],
    );
    expect(rows.map((row) => row.attname)).toEqual([...CONTENT_NAMES, "status"].sort());
    // Migration 1's narrower CHECK is gone: only the status list and the content CHECK remain.
    const { rows: checks } = await pool.query(
      `select conname from pg_constraint where conrelid = $1::regclass and contype = 'c' order by conname`,
      [`"${schema}".memories`],
    );
    expect(checks.map((row) => row.conname)).toEqual([CONTENT_CHECK, "memories_status_check"]);
  });

  it("refuses a deleted or redacted row holding any one content column", async () => {
    const schema = uniqueName("st_mig");
    schemas.push(schema);
    await migrate(pool, schema);
    for (const status of ["deleted", "redacted"])
      for (const name of CONTENT_NAMES) {
        const insert = pool.query(
          `insert into "${schema}".memories (namespace, id, status, hlc, origin, "${name}")
           values ('ns', $1, $2, 'h', 'region-a', ${SAMPLE[CONTENT[name].sql]})`,
          [`${status}-${name}`, status],
        );
        await expect(insert, `${status} with ${name}`).rejects.toMatchObject({ code: "23514" });
      }
  });

  it("migration 3 clears what content a non-live row kept before it", async () => {
    const schema = uniqueName("st_mig");
    schemas.push(schema);
    const s = `"${schema}"`;
    // The schema as version 2 left it, with a tombstone that kept its "timestamp".
    await pool.query(`create schema ${s}`);
    await pool.query(
      `create table ${s}.schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())`,
    );
    for (const migration of MIGRATIONS.filter((m) => m.version <= 2)) {
      await pool.query(migration.sql(s));
      await pool.query(`insert into ${s}.schema_migrations (version, name) values ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
    await pool.query(
      `insert into ${s}.memories (namespace, id, status, "timestamp", tokens, x, hlc, origin)
       values ('ns', 'gone', 'deleted', now(), 3, 1, 'h', 'region-a'),
              ('ns', 'kept', 'live', now(), 3, 1, 'h', 'region-a')`,
    );
    await migrate(pool, schema);
    const { rows } = await pool.query(
      `select id, "timestamp" is null as cleared, tokens from ${s}.memories order by id`,
    );
    expect(rows).toEqual([
      { id: "gone", cleared: true, tokens: null },
      { id: "kept", cleared: false, tokens: 3 },
    ]);
  });
});
