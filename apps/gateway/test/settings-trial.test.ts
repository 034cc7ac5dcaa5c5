import { startUpstashEndpoint, type UpstashEndpoint } from "@memoria/local-services";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningRegion } from "../local/region.js";
import { regionsWith, startTopology, type Topology } from "../local/topology.js";
import { API_KEY, call, eventually, SIGNING_KEYS, startRegions } from "./harness.js";

/**
 * Settings that cannot brick a region: `PATCH /settings` builds the configuration and
 * the services it implies before saving, and stored settings that no longer load are
 * left out (and reported) instead of taking the region down. Every request carries the
 * root key, memory routes included, so these keep passing when every route needs one.
 */

interface Problem {
  status: number;
  errors?: Array<{ field: string; message: string }>;
}

async function refused(response: Response, field: string): Promise<string> {
  expect(response.status).toBe(400);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = (await response.json()) as Problem;
  const error = body.errors?.find((e) => e.field === field);
  expect(error, JSON.stringify(body)).toBeDefined();
  return error?.message ?? "";
}

const patch = (region: RunningRegion, json: Record<string, unknown>) =>
  call(region, "/settings", { method: "PATCH", key: API_KEY, json });

/** The stored overrides, read straight from the region's settings table. */
async function storedSettings(db: pg.Client, schema: string): Promise<Record<string, unknown>> {
  const { rows } = await db.query(`select key, value from "${schema}".settings order by key`);
  return Object.fromEntries(rows.map((row) => [row.key as string, row.value]));
}

/** The region still serves: ready, and a write with the root key lands. */
async function stillServes(region: RunningRegion): Promise<void> {
  expect((await call(region, "/healthz", { key: API_KEY })).status).toBe(200);
  const write = await call(region, "/memory", {
    method: "POST",
    key: API_KEY,
    json: { text: `still serving ${crypto.randomUUID()}`, y: 2 },
  });
  expect(write.status).toBe(201);
}

let db: pg.Client;
beforeAll(async () => {
  db = new pg.Client({ connectionString: inject("localServices").postgresUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
});

describe("PATCH /settings over redis: a trial before anything is saved", () => {
  let topology: Topology;
  let a: RunningRegion;
  let endpointA: UpstashEndpoint;
  let schemaA: string;
  beforeAll(async () => {
    const services = inject("localServices");
    // Region A reaches Redis through its own endpoint: closing it takes A's transport down.
    endpointA = await startUpstashEndpoint({
      redisUrl: services.redisUrl,
      token: services.upstash.token,
    });
    const id = `st${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`;
    topology = await startTopology({
      backend: "redis",
      endpoints: {
        upstash: services.upstash,
        neon: services.neon,
        postgresUrl: services.postgresUrl,
      },
      id,
      apiKey: API_KEY,
      signingKeys: SIGNING_KEYS,
      regions: regionsWith({
        "region-a": { vars: { MEMORIA_SYNC__CONNECTION_URL: endpointA.url } },
      }),
    });
    schemaA = `store_a_${id}`;
    a = topology.region("region-a");
    await stillServes(a);
  });
  afterAll(async () => {
    await topology?.stop();
    await endpointA?.close();
  });

  it("the brick-by-PATCH case (a redis:// URL) answers 400 with what works, and the region keeps serving", async () => {
    const before = await storedSettings(db, schemaA);
    const message = await refused(
      await patch(a, { "sync.connection_url": "redis://cache.region-a.internal:6379/0" }),
      "sync.connection_url",
    );
    expect(message).toContain(
      "the edge speaks to Redis through the Upstash REST URL (https://…) and its token; see docs/operations.md",
    );
    expect(await storedSettings(db, schemaA)).toEqual(before);
    await stillServes(a);
  });

  it("a REST URL that parses but where nothing answers is refused, naming sync.connection_url", async () => {
    const before = await storedSettings(db, schemaA);
    const message = await refused(
      await patch(a, { "sync.connection_url": "http://127.0.0.1:9" }),
      "sync.connection_url",
    );
    expect(message).toMatch(/redis did not answer with these settings/);
    expect(message).toContain("see docs/operations.md");
    expect(await storedSettings(db, schemaA)).toEqual(before);
    await stillServes(a);
  });

  it("a wrong token is refused, naming sync.token, and never echoed", async () => {
    const before = await storedSettings(db, schemaA);
    const response = await patch(a, { "sync.token": "not-the-token-0123456789" });
    const text = await response.clone().text();
    expect(text).not.toContain("not-the-token-0123456789");
    await refused(response, "sync.token");
    expect(await storedSettings(db, schemaA)).toEqual(before);
    await stillServes(a);
  });

  it("a sync change that reaches the backend is saved (the trial does not refuse what works)", async () => {
    const response = await patch(a, {
      "sync.token": inject("localServices").upstash.token,
    });
    expect(response.status).toBe(200);
    expect(await storedSettings(db, schemaA)).toHaveProperty(["sync.token"]);
    expect((await patch(a, { "sync.token": null })).status).toBe(200);
  });

  it("while the transport is down, an unrelated PATCH is accepted and a sync one is refused", async () => {
    await endpointA.close();
    try {
      const level = await patch(a, { "logging.level": "DEBUG" });
      expect(level.status).toBe(200);
      expect(await storedSettings(db, schemaA)).toMatchObject({ "logging.level": "DEBUG" });
      await refused(
        await patch(a, { "sync.channel": `${topology.channel}_moved` }),
        "sync.channel",
      );
      expect(await storedSettings(db, schemaA)).not.toHaveProperty(["sync.channel"]);
    } finally {
      endpointA = await startUpstashEndpoint({
        redisUrl: inject("localServices").redisUrl,
        token: inject("localServices").upstash.token,
        port: Number(new URL(a.vars.MEMORIA_SYNC__CONNECTION_URL as string).port),
      });
    }
    expect((await patch(a, { "logging.level": null })).status).toBe(200);
  });

  it("stored settings that no longer load are left out: the region serves, /health/sync and GET /settings name them, null clears them", async () => {
    // As an older version might have left them: a key since removed, a redis:// URL from
    // before the backend refused it, beside a valid override that must still apply.
    await db.query(
      `insert into "${schemaA}".settings (key, value) values
         ('sync.retired_knob', 'true'::jsonb),
         ('sync.connection_url', '"redis://cache.region-a.internal:6379/0"'::jsonb),
         ('sync.privacy_floor', '-3'::jsonb)`,
    );
    await stillServes(a);
    const health = (await (await call(a, "/health/sync", { key: API_KEY })).json()) as {
      ready: boolean;
      band: { floor: number };
      settings_errors: Array<{ key: string; message: string }>;
    };
    expect(health.ready).toBe(true);
    expect(health.band.floor).toBe(-3);
    expect(health.settings_errors.map((e) => e.key).sort()).toEqual([
      "sync.connection_url",
      "sync.retired_knob",
    ]);
    expect(JSON.stringify(health.settings_errors)).not.toContain("cache.region-a.internal");
    const view = (await (await call(a, "/settings", { key: API_KEY })).json()) as {
      settings_errors: Array<{ key: string }>;
      overridden: string[];
    };
    expect(view.settings_errors.map((e) => e.key).sort()).toEqual([
      "sync.connection_url",
      "sync.retired_knob",
    ]);
    // A patch that leaves a broken key in place is refused, naming it; clearing them works.
    await refused(await patch(a, { "logging.level": "WARN" }), "sync.retired_knob");
    const fixed = await patch(a, {
      "sync.retired_knob": null,
      "sync.connection_url": null,
      "sync.privacy_floor": null,
    });
    expect(fixed.status).toBe(200);
    const after = (await (await call(a, "/health/sync", { key: API_KEY })).json()) as {
      settings_errors: unknown[];
    };
    expect(after.settings_errors).toEqual([]);
    expect(await storedSettings(db, schemaA)).toEqual({});
  });
});

describe("PATCH /settings over postgres: the journal must answer", () => {
  it("a postgres:// URL where no server answers, or a database that does not exist, is refused", async () => {
    const regions = await startRegions({ backend: "postgres" });
    try {
      const a = regions.region("region-a");
      const schemaA = `store_a_${regions.id}`;
      await eventually(async () =>
        (await call(a, "/healthz", { key: API_KEY })).status === 200 ? true : undefined,
      );
      const before = await storedSettings(db, schemaA);
      for (const url of [
        "postgres://memoria@127.0.0.1:9/memoria",
        "postgres://postgres@127.0.0.1:5432/no_such_database_here",
      ]) {
        const message = await refused(
          await patch(a, { "sync.connection_url": url }),
          "sync.connection_url",
        );
        expect(message).toMatch(/postgres did not answer with these settings/);
        expect(message).toContain("Neon serverless driver");
        expect(message).not.toContain(url);
      }
      expect(await storedSettings(db, schemaA)).toEqual(before);
      await stillServes(a);
    } finally {
      await regions.stop();
    }
  });
});
