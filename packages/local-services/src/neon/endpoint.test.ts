/**
 * The Neon endpoint on the wire: `/sql` answers and errors with plain fetch,
 * and the WebSocket proxy's allow-list with a plain `ws` client.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { freePort } from "../net";
import "../testing/provided";
import { type NeonEndpoint, startNeonEndpoint } from "./endpoint";

const table = `ls_raw_${randomUUID().replace(/-/g, "").slice(0, 12)}`;

async function sql(
  body: unknown,
  headers: Record<string, string> = {},
  options: { connectionString?: string | null; endpoint?: string } = {},
) {
  const { fetchEndpoint } = inject("localServices").neon;
  const connectionString =
    options.connectionString === undefined
      ? inject("localServices").postgresUrl
      : options.connectionString;
  const res = await fetch(options.endpoint ?? fetchEndpoint, {
    method: "POST",
    headers: {
      ...(connectionString === null ? {} : { "Neon-Connection-String": connectionString }),
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const driverHeaders = { "Neon-Raw-Text-Output": "true", "Neon-Array-Mode": "true" };

beforeAll(async () => {
  await sql({ query: `CREATE TABLE ${table} (id int PRIMARY KEY, v text)`, params: [] });
});

afterAll(async () => {
  await sql({ query: `DROP TABLE IF EXISTS ${table}`, params: [] });
});

describe("/sql answers", () => {
  it("as the driver asks: raw text in arrays, with field metadata", async () => {
    const { status, json } = await sql(
      { query: "SELECT $1::int AS i, $2::text AS t, NULL::bool AS n", params: ["41", "ü"] },
      driverHeaders,
    );
    expect(status).toBe(200);
    expect(json).toMatchObject({
      command: "SELECT",
      rowCount: 1,
      rows: [["41", "ü", null]],
      rowAsArray: true,
    });
    expect(json.fields).toEqual([
      expect.objectContaining({ name: "i", dataTypeID: 23, dataTypeSize: 4, format: "text" }),
      expect.objectContaining({ name: "t", dataTypeID: 25 }),
      expect.objectContaining({ name: "n", dataTypeID: 16 }),
    ]);
  });

  it("without raw text or array mode: objects with JSON values, as Neon's proxy converts", async () => {
    const { json } = await sql({
      query:
        "SELECT 1::int AS i, 2::int8 AS big, true AS b, 1.5::float8 AS f, '{\"k\":[1]}'::jsonb AS j, ARRAY[1,2] AS arr, 'x' AS t",
      params: [],
    });
    expect(json.rowAsArray).toBe(false);
    expect(json.rows).toEqual([
      { i: 1, big: "2", b: true, f: 1.5, j: { k: [1] }, arr: [1, 2], t: "x" },
    ]);
  });

  it("reports command and rowCount for writes and DDL", async () => {
    const insert = await sql(
      {
        query: `INSERT INTO ${table} (id, v) VALUES ($1, $2), ($3, $4)`,
        params: ["1", "a", "2", null],
      },
      driverHeaders,
    );
    expect(insert.json).toMatchObject({ command: "INSERT", rowCount: 2, rows: [], fields: [] });
    const update = await sql({ query: `UPDATE ${table} SET v = 'z'`, params: [] }, driverHeaders);
    expect(update.json).toMatchObject({ command: "UPDATE", rowCount: 2 });
  });

  it("runs a batch in one transaction with the isolation headers", async () => {
    const { status, json } = await sql(
      {
        queries: [
          { query: "SHOW transaction_isolation", params: [] },
          { query: "SHOW transaction_read_only", params: [] },
          { query: "SHOW transaction_deferrable", params: [] },
        ],
      },
      {
        ...driverHeaders,
        "Neon-Batch-Isolation-Level": "Serializable",
        "Neon-Batch-Read-Only": "true",
        "Neon-Batch-Deferrable": "true",
      },
    );
    expect(status).toBe(200);
    const results = json.results as Array<{ rows: string[][] }>;
    expect(results.map((r) => r.rows[0]?.[0])).toEqual(["serializable", "on", "on"]);
  });
});

describe("/sql errors", () => {
  it("answers a Postgres error with 400 and Neon's fields", async () => {
    const { status, json } = await sql({
      query: `INSERT INTO ${table} (id) VALUES (1)`,
      params: [],
    });
    expect(status).toBe(400);
    expect(json).toMatchObject({
      message: `duplicate key value violates unique constraint "${table}_pkey"`,
      code: "23505",
      severity: "ERROR",
      detail: "Key (id)=(1) already exists.",
      schema: "public",
      table,
      constraint: `${table}_pkey`,
    });
  });

  it("runs every query with the extended protocol, so two statements fail as on Neon", async () => {
    const { status, json } = await sql({ query: "SELECT 1; SELECT 2", params: [] });
    expect(status).toBe(400);
    expect(json).toMatchObject({ code: "42601" });
  });

  it("rolls a failed batch back", async () => {
    const { status } = await sql({
      queries: [
        { query: `INSERT INTO ${table} (id, v) VALUES (10, 'batch')`, params: [] },
        { query: "SELECT 1/0", params: [] },
      ],
    });
    expect(status).toBe(400);
    const after = await sql({
      query: `SELECT count(*)::int AS c FROM ${table} WHERE id = 10`,
      params: [],
    });
    expect(after.json.rows).toEqual([{ c: 0 }]);
  });

  it("answers request mistakes with 4xx and a message", async () => {
    expect((await sql({ query: "SELECT 1" }, {}, { connectionString: null })).status).toBe(400);
    expect((await sql("{not json")).status).toBe(400);
    expect((await sql({ nope: 1 })).status).toBe(400);
    expect((await sql({ queries: [] }, { "Neon-Batch-Isolation-Level": "Chaos" })).status).toBe(
      400,
    );
    const elsewhere = await sql(
      { query: "SELECT 1" },
      {},
      { connectionString: "postgresql://postgres@127.0.0.1:1/test" },
    );
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json.message).toMatch(/allow-list/);
    const { fetchEndpoint } = inject("localServices").neon;
    expect((await fetch(fetchEndpoint)).status).toBe(405);
    expect(
      (await fetch(fetchEndpoint.replace(/\/sql$/, "/other"), { method: "POST" })).status,
    ).toBe(404);
  });
});

describe("WebSocket proxy", () => {
  let endpoint: NeonEndpoint;
  let closedPort: number;

  beforeAll(async () => {
    closedPort = await freePort();
    endpoint = await startNeonEndpoint({ allow: [`127.0.0.1:${closedPort}`] });
  });

  afterAll(async () => {
    await endpoint.close();
  });

  const open = (query: string) =>
    new Promise<{ status?: number; closeCode?: number }>((resolve) => {
      const ws = new WebSocket(`ws://${endpoint.wsProxy}${query}`);
      ws.on("unexpected-response", (_req, res) => {
        resolve({ status: res.statusCode ?? 0 });
        ws.terminate();
      });
      ws.on("close", (code) => resolve({ closeCode: code }));
      ws.on("error", () => {});
    });

  it("refuses targets outside the allow-list before the upgrade, loopback or not", async () => {
    expect(await open("?address=127.0.0.1:5432")).toEqual({ status: 403 });
    expect(await open("?address=10.0.0.1:5432")).toEqual({ status: 403 });
    expect(await open("")).toEqual({ status: 400 });
  });

  it("closes the WebSocket with 1011 when the allowed target does not answer", async () => {
    expect(await open(`?address=127.0.0.1:${closedPort}`)).toEqual({ closeCode: 1011 });
  });

  it("lists and extends its allow-list", () => {
    endpoint.allow("localhost:5432");
    expect(endpoint.allowed()).toEqual([`127.0.0.1:${closedPort}`, "127.0.0.1:5432"]);
  });
});
