/**
 * `@neondatabase/serverless` against the local Neon endpoint: `Pool`/`Client`
 * over the WebSocket proxy and `neon()` over `/sql`. Shared by the Node run
 * (client.test.ts) and the workerd run (client.workers.test.ts); it touches no
 * Node API. Each run works in its own tables and channel names and drops only
 * those.
 */
import {
  Client,
  type ClientBase,
  type NeonConfig,
  NeonDbError,
  neon,
  neonConfig,
  Pool,
} from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { configureNeonForLocal } from "../client";
import "../testing/provided";

export interface NeonSuiteOptions {
  /** Node 20 needs `ws`; workerd has a global WebSocket. */
  webSocketConstructor?: NeonConfig["webSocketConstructor"];
}

export function defineNeonClientSuite(runtime: string, options: NeonSuiteOptions = {}): void {
  const id = crypto.randomUUID().replace(/-/g, "").slice(0, 12);
  const table = `ls_${runtime}_${id}`;
  const connectionString = () => inject("localServices").postgresUrl;

  beforeAll(async () => {
    configureNeonForLocal(neonConfig, inject("localServices").neon, options);
    const sql = neon(connectionString());
    await sql.query(
      `CREATE TABLE ${table} (id serial PRIMARY KEY, name text UNIQUE NOT NULL, n int8, doc jsonb)`,
    );
  });

  afterAll(async () => {
    const sql = neon(connectionString());
    await sql.query(`DROP TABLE IF EXISTS ${table}`);
  });

  describe(`Pool and Client over the WebSocket proxy in ${runtime}`, () => {
    it("runs parameterised queries and parses types", async () => {
      const pool = new Pool({ connectionString: connectionString() });
      try {
        const inserted = await pool.query(
          `INSERT INTO ${table} (name, n, doc) VALUES ($1, $2, $3) RETURNING id, name, n, doc`,
          ["pool-ü", "9007199254740993", { a: [1, "b"] }],
        );
        expect(inserted.rowCount).toBe(1);
        expect(inserted.rows[0]).toMatchObject({
          name: "pool-ü",
          n: "9007199254740993",
          doc: { a: [1, "b"] },
        });
        const { rows } = await pool.query(
          "SELECT $1::int + 1 AS two, $2::text AS t, now() AS at, true AS yes",
          [1, "x"],
        );
        expect(rows[0]).toMatchObject({ two: 2, t: "x", yes: true });
        expect(rows[0].at).toBeInstanceOf(Date);
      } finally {
        await pool.end();
      }
    });

    it("rolls a transaction back", async () => {
      const client = new Client(connectionString());
      await client.connect();
      try {
        await client.query("BEGIN");
        await client.query(`INSERT INTO ${table} (name) VALUES ($1)`, ["rolled-back"]);
        const inside = await client.query(
          `SELECT count(*)::int AS c FROM ${table} WHERE name = $1`,
          ["rolled-back"],
        );
        expect(inside.rows[0].c).toBe(1);
        await client.query("ROLLBACK");
        const after = await client.query(
          `SELECT count(*)::int AS c FROM ${table} WHERE name = $1`,
          ["rolled-back"],
        );
        expect(after.rows[0].c).toBe(0);
      } finally {
        await client.end();
      }
    });

    it("runs concurrent queries on several connections", async () => {
      const pool = new Pool({ connectionString: connectionString(), max: 5 });
      try {
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            pool.query("SELECT $1::int AS i, pg_backend_pid() AS pid, pg_sleep(0.02)", [i]),
          ),
        );
        expect(results.map((r) => r.rows[0].i)).toEqual(Array.from({ length: 12 }, (_, i) => i));
        // More than one backend served them: the proxy carries parallel tunnels.
        expect(new Set(results.map((r) => r.rows[0].pid)).size).toBeGreaterThan(1);
      } finally {
        await pool.end();
      }
    });

    it("delivers NOTIFY from one client to a LISTEN on another", async () => {
      const channel = `ls_chan_${id}`;
      const listener = new Client(connectionString());
      const notifier = new Client(connectionString());
      await Promise.all([listener.connect(), notifier.connect()]);
      try {
        const received = new Promise<{ channel: string; payload?: string }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("no notification within 5 s")), 5_000);
          listener.on("notification", (message) => {
            clearTimeout(timer);
            resolve(message);
          });
        });
        await listener.query(`LISTEN ${channel}`);
        await notifier.query("SELECT pg_notify($1, $2)", [channel, "event-id-42"]);
        await expect(received).resolves.toMatchObject({ channel, payload: "event-id-42" });
      } finally {
        await Promise.all([listener.end(), notifier.end()]);
      }
    });

    it("surfaces an error with its SQLSTATE", async () => {
      const pool = new Pool({ connectionString: connectionString() });
      try {
        await pool.query(`INSERT INTO ${table} (name) VALUES ($1)`, ["dup"]);
        const duplicate = await pool
          .query(`INSERT INTO ${table} (name) VALUES ($1)`, ["dup"])
          .catch((error: unknown) => error);
        expect(duplicate).toMatchObject({ code: "23505", constraint: `${table}_name_key` });
        const missing = await pool
          .query(`SELECT * FROM ${table}_missing`)
          .catch((error: unknown) => error);
        expect(missing).toMatchObject({ code: "42P01" });
        // The pool is still usable after errors.
        expect((await pool.query("SELECT 1 AS one")).rows[0].one).toBe(1);
      } finally {
        await pool.end();
      }
    });

    it("keeps a Client usable across a failed statement in a transaction", async () => {
      const client: ClientBase = new Client(connectionString());
      await (client as Client).connect();
      try {
        await client.query("BEGIN");
        await expect(client.query("SELECT 1/0")).rejects.toMatchObject({ code: "22012" });
        await expect(client.query("SELECT 1")).rejects.toMatchObject({ code: "25P02" });
        await client.query("ROLLBACK");
        expect((await client.query("SELECT 2 AS two")).rows[0].two).toBe(2);
      } finally {
        await (client as Client).end();
      }
    });
  });

  describe(`neon() over /sql in ${runtime}`, () => {
    it("runs queries with params", async () => {
      const sql = neon(connectionString());
      const name = "http-ü";
      const rows =
        await sql`INSERT INTO ${sql.unsafe(table)} (name, n, doc) VALUES (${name}, ${42}, ${JSON.stringify({ k: "v" })}) RETURNING name, n, doc`;
      expect(rows).toEqual([{ name, n: "42", doc: { k: "v" } }]);
      const typed = await sql.query(
        "SELECT $1::int AS i, $2::bool AS b, $3::timestamptz AS at, NULL::text AS nothing, ARRAY[1,2]::int[] AS arr",
        [7, true, "2026-01-02T03:04:05Z"],
      );
      expect(typed[0]).toMatchObject({ i: 7, b: true, nothing: null, arr: [1, 2] });
      const at = typed[0]?.at;
      expect(at).toBeInstanceOf(Date);
      expect((at as Date).toISOString()).toBe("2026-01-02T03:04:05.000Z");
    });

    it("answers in array mode with full results", async () => {
      const sql = neon(connectionString(), { arrayMode: true, fullResults: true });
      const result = await sql.query("SELECT 1::int AS a, 'x'::text AS b");
      expect(result.rows).toEqual([[1, "x"]]);
      expect(result.command).toBe("SELECT");
      expect(result.rowCount).toBe(1);
      expect(result.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
        ["a", 23],
        ["b", 25],
      ]);
    });

    it("runs a transaction batch, all or nothing", async () => {
      const sql = neon(connectionString());
      const [inserted, counted] = await sql.transaction(
        [
          sql`INSERT INTO ${sql.unsafe(table)} (name) VALUES (${"batch-1"}), (${"batch-2"}) RETURNING name`,
          sql`SELECT count(*)::int AS c FROM ${sql.unsafe(table)} WHERE name LIKE 'batch-%'`,
        ],
        { isolationLevel: "Serializable", readOnly: false },
      );
      expect(inserted).toEqual([{ name: "batch-1" }, { name: "batch-2" }]);
      expect(counted).toEqual([{ c: 2 }]);

      const failed = await sql
        .transaction([
          sql`INSERT INTO ${sql.unsafe(table)} (name) VALUES (${"batch-3"})`,
          sql`INSERT INTO ${sql.unsafe(table)} (name) VALUES (${"batch-1"})`,
        ])
        .catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(NeonDbError);
      expect(failed).toMatchObject({ code: "23505" });
      const left =
        await sql`SELECT count(*)::int AS c FROM ${sql.unsafe(table)} WHERE name = 'batch-3'`;
      expect(left).toEqual([{ c: 0 }]);

      const readOnly = await sql
        .transaction([sql`INSERT INTO ${sql.unsafe(table)} (name) VALUES (${"ro"})`], {
          readOnly: true,
        })
        .catch((error: unknown) => error);
      expect(readOnly).toMatchObject({ code: "25006" });
    });

    it("returns Neon's error shape", async () => {
      const sql = neon(connectionString());
      const error = await sql.query(`SELECT nope FROM ${table}`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NeonDbError);
      expect(error).toMatchObject({
        message: 'column "nope" does not exist',
        code: "42703",
        severity: "ERROR",
        position: "8",
      });
    });
  });
}
