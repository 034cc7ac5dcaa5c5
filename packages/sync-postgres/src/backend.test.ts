import { ConfigError, loadConfig } from "@memoria/sync-core";
import { Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { postgresBackend } from "./backend.js";
import { configureNeon, neonPool } from "./node.testkit.js";
import { postgresPoolOptions } from "./options.js";
import {
  createSchema,
  dropSchema,
  eventually,
  listen,
  memoryEvent,
  randomName,
  settled,
  sql,
} from "./pg.testkit.js";

const schema = randomName();
let pool: Pool;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  configureNeon();
  pool = neonPool(4);
  await createSchema(pool, schema);
});

afterAll(async () => {
  for (const close of closers) await close();
  await dropSchema(pool, schema);
  await pool.end();
});

function connect(...args: Parameters<typeof postgresBackend.connect>) {
  const connection = postgresBackend.connect(...args);
  closers.push(() => connection.close());
  return connection;
}

function configWith(env: Record<string, string>) {
  return loadConfig({
    env: {
      MEMORIA_SYNC__ENABLED: "true",
      MEMORIA_SYNC__BACKEND: "postgres",
      MEMORIA_SYNC__CONNECTION_URL: inject("localServices").postgresUrl,
      MEMORIA_SYNC__TABLE: `${schema}.events`,
      ...env,
    },
  }).config;
}

describe("postgresBackend.connect", () => {
  it("reads sync.table, sync.channel and region.id from the loaded config", async () => {
    const channel = `memoria-${randomName("c")}`;
    const { config } = loadConfig({
      toml: `[sync]\nenabled = true\nbackend = "postgres"\nconnection_url = "${inject("localServices").postgresUrl}"\n[region]\nid = "eu-west"\n`,
      env: { MEMORIA_SYNC__TABLE: `${schema}.events`, MEMORIA_SYNC__CHANNEL: channel },
    });
    const connection = connect(config, { claimIdleMs: 0 });
    const transport = connection.transport;
    expect(transport.backend).toBe("postgres");
    expect(transport.region).toBe("eu-west");
    expect(transport.channel).toBe(channel);
    expect(transport.names.journal).toBe(`"${schema}"."events"`);

    await transport.ensure();
    const wakes: string[] = [];
    const stop = await listen(pool, transport.channel, (cursor) => wakes.push(cursor));
    try {
      const [cursor] = await transport.publish([memoryEvent()]);
      await eventually(async () => (wakes.length > 0 ? true : undefined), { what: "a wake" });
      expect(wakes).toEqual([cursor]);
    } finally {
      await stop();
    }
    await settled(pool, wakes);
    const other = connect(config, { region: "us-east" }).transport;
    expect((await other.pull(5)).messages).toHaveLength(1);
    const regions = await sql(pool, `select region from "${schema}".events_cursors`);
    expect(regions.map((r) => r.region)).toEqual(["us-east"]);

    const lease = connection.lease("decrement");
    expect((await lease.acquire("eu-west", config.scheduler.lease_ttl_ms))?.token).toBe(1);
    expect(lease.names.leases).toBe(`"${schema}"."events_leases"`);
  });

  it("refuses a config whose backend is not postgres, or whose URL is not postgres://", () => {
    const { config } = loadConfig({});
    expect(() => postgresBackend.connect(config)).toThrow(ConfigError);
    expect(() => postgresBackend.connect(config)).toThrow(
      /sync\.backend: is "none", not "postgres"/,
    );
    const redisUrl = configWith({ MEMORIA_SYNC__CONNECTION_URL: "https://x.upstash.io" });
    expect(postgresBackend.validate(redisUrl).issues).toEqual([
      { key: "sync.connection_url", message: "must be a postgres:// URL" },
    ]);
  });
});

describe("sync.connect_kwargs and sync.options", () => {
  it("reach the server through the Neon pool: application_name, statement_timeout, options", async () => {
    const name = randomName("app");
    const config = configWith({
      MEMORIA_SYNC__CONNECT_KWARGS: JSON.stringify({
        application_name: name,
        statement_timeout: 4321,
        options: "-c lock_timeout=1234",
        connect_timeout: "3",
      }),
      MEMORIA_SYNC__OPTIONS__max: "2",
    });
    const options = postgresPoolOptions(config);
    expect(options.pool).toMatchObject({ max: 2, connectionTimeoutMillis: 3000 });
    const own = new Pool({
      ...options.pool,
      connectionString: inject("localServices").postgresUrl,
    });
    try {
      const [row] = await sql(
        own,
        `select current_setting('application_name') as app,
                current_setting('statement_timeout') as st,
                current_setting('lock_timeout') as lt`,
      );
      expect(row).toEqual({ app: name, st: "4321ms", lt: "1234ms" });
    } finally {
      await own.end();
    }
    // The connection's own pool carries them too: its session shows up under that name.
    const { transport } = connect(config);
    expect((await transport.health()).reachable).toBe(true);
    const seen = await sql(
      pool,
      "select count(*)::int as n from pg_stat_activity where application_name = $1",
      [name],
    );
    expect(seen[0]?.n).toBeGreaterThanOrEqual(1);
  });

  it("accepts libpq's TLS and TCP keywords with a warning naming the edge way", () => {
    const config = configWith({
      MEMORIA_SYNC__CONNECT_KWARGS__sslmode: "require",
      MEMORIA_SYNC__CONNECT_KWARGS__keepalives: "1",
    });
    const report = postgresBackend.validate(config);
    expect(report.issues).toEqual([]);
    expect([...report.warnings].sort()).toEqual([
      "sync.connect_kwargs.keepalives: has no effect on the edge; Workers open no TCP sockets: the driver speaks over a WebSocket that lives for one request",
      "sync.connect_kwargs.sslmode: has no effect on the edge; Neon's driver always encrypts (TLS over its WebSocket, wss://)",
    ]);
  });

  it("refuses unknown keys, bad values and a key set in both tables", () => {
    const config = configWith({
      MEMORIA_SYNC__CONNECT_KWARGS__application_nam: "x",
      MEMORIA_SYNC__CONNECT_KWARGS__max: "2",
      MEMORIA_SYNC__OPTIONS__max: "3",
      MEMORIA_SYNC__OPTIONS__statement_timeout: "soon",
    });
    const issues = Object.fromEntries(
      postgresBackend.validate(config).issues.map((issue) => [issue.key, issue.message]),
    );
    expect(Object.keys(issues).sort()).toEqual([
      "sync.connect_kwargs.application_nam",
      "sync.options.max",
      "sync.options.statement_timeout",
    ]);
    expect(issues["sync.connect_kwargs.application_nam"]).toMatch(
      /^unknown option; accepted: application_name, options, statement_timeout/,
    );
    expect(issues["sync.options.max"]).toBe(
      "is also set in sync.connect_kwargs; set it in one place",
    );
    expect(issues["sync.options.statement_timeout"]).toBe("must be a whole number >= 0");
    expect(() => postgresBackend.connect(config)).toThrow(ConfigError);
  });
});
