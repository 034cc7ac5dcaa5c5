import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningRegion } from "../local/region.js";
import { API_KEY, call, type Regions, startRegions } from "./harness.js";

/**
 * `PATCH /settings` in every form a client can write a key — dotted, nested, a mixture,
 * another case — goes through one normalization and one set of rules: a refusal is a 400
 * naming the key in dotted form, and the settings read back unchanged after it.
 */

interface Problem {
  status: number;
  errors?: Array<{ field: string; message: string }>;
}

interface SettingsView {
  settings: Record<string, unknown>;
  overridden: string[];
  settings_errors: Array<{ key: string; message: string }>;
}

let regions: Regions;
let a: RunningRegion;
let schemaA: string;
let db: pg.Client;
/** Region A's namespace as deployed (each test run has its own). */
let namespace: unknown;
beforeAll(async () => {
  regions = await startRegions({ backend: "postgres" });
  a = regions.region("region-a");
  schemaA = `store_a_${regions.id}`;
  db = new pg.Client({ connectionString: inject("localServices").postgresUrl });
  await db.connect();
  namespace = (await view()).settings["memory.namespace"];
});
afterAll(async () => {
  await db?.end();
  await regions?.stop();
});

const patch = (json: unknown) => call(a, "/settings", { method: "PATCH", key: API_KEY, json });
/** A body sent byte for byte: `JSON.stringify` would drop or rename what the test is about. */
const patchText = (body: string) =>
  call(a, "/settings", {
    method: "PATCH",
    key: API_KEY,
    headers: { "content-type": "application/json" },
    body,
  });

async function view(): Promise<SettingsView> {
  const response = await call(a, "/settings", { key: API_KEY });
  expect(response.status).toBe(200);
  return (await response.json()) as SettingsView;
}

async function stored(): Promise<Record<string, unknown>> {
  const { rows } = await db.query(`select key, value from "${schemaA}".settings order by key`);
  return Object.fromEntries(rows.map((row) => [row.key as string, row.value]));
}

/** A 400 problem naming `field`; returns its message. */
async function refused(response: Response, field: string): Promise<string> {
  expect(response.status).toBe(400);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = (await response.json()) as Problem;
  const error = body.errors?.find((e) => e.field === field);
  expect(error, JSON.stringify(body)).toBeDefined();
  return error?.message ?? "";
}

/** Runs `refusal` and checks nothing moved: the view, the stored rows, and the region's health. */
async function unchangedAfter(refusal: () => Promise<void>): Promise<void> {
  const before = { view: await view(), stored: await stored() };
  await refusal();
  expect(await view()).toEqual(before.view);
  expect(await stored()).toEqual(before.stored);
  expect((await call(a, "/healthz", { key: API_KEY })).status).toBe(200);
}

describe("fixed keys stay fixed whatever the form", () => {
  it.each([
    ["nested", { memory: { namespace: "other" } }],
    ["dotted", { "memory.namespace": "other" }],
    ["another case", { "Memory.NameSpace": "other" }],
    ["nested in another case", { Memory: { NameSpace: "other" } }],
  ])("memory.namespace given %s is refused and the namespace stays", async (_form, body) => {
    await unchangedAfter(async () => {
      const message = await refused(await patch(body), "memory.namespace");
      expect(message).toMatch(/fixed for the life of a deployment/);
      expect(message).toMatch(/MEMORIA_MEMORY__NAMESPACE/);
    });
    expect((await view()).settings["memory.namespace"]).toBe(namespace);
  });

  it("region.id nested is refused, naming it dotted", async () => {
    await unchangedAfter(async () => {
      await refused(await patch({ region: { id: "region-z" } }), "region.id");
    });
    expect((await view()).settings["region.id"]).toBe("region-a");
  });
});

describe("the same change in any form is the same change", () => {
  it("a nested band is what the region runs afterwards, exactly as the dotted one", async () => {
    const dotted = await patch({ "sync.privacy_floor": 3 });
    expect(dotted.status).toBe(200);
    // Over a dotted override, the nested form must replace it, not sit beside it.
    const nested = await patch({ sync: { privacy_floor: -2 } });
    expect(nested.status).toBe(200);
    const answered = ((await nested.json()) as SettingsView).settings;
    expect(answered["sync.privacy_floor"]).toBe(-2);
    expect((await view()).settings["sync.privacy_floor"]).toBe(-2);
    expect(await stored()).toEqual({ "sync.privacy_floor": -2 });
    // And the dotted null removes what the nested form set.
    expect((await patch({ "sync.privacy_floor": null })).status).toBe(200);
    expect(await stored()).toEqual({});
    expect((await view()).settings["sync.privacy_floor"]).toBe(-15);
  });

  it("a mixture of nested and dotted keys is one change", async () => {
    const mixed = await patch({ sync: { privacy_floor: 3 }, "sync.privacy_ceiling": 9 });
    expect(mixed.status).toBe(200);
    expect(await stored()).toEqual({ "sync.privacy_ceiling": 9, "sync.privacy_floor": 3 });
    expect((await patch({ sync: { privacy_floor: null, privacy_ceiling: null } })).status).toBe(
      200,
    );
    expect(await stored()).toEqual({});
  });
});

describe("a band that cannot work is refused whatever the form", () => {
  it("nested floor above the stored ceiling is refused, the band stays", async () => {
    expect((await patch({ "sync.privacy_ceiling": 4 })).status).toBe(200);
    try {
      await unchangedAfter(async () => {
        await refused(await patch({ sync: { privacy_floor: 9 } }), "sync.privacy_ceiling");
      });
      await unchangedAfter(async () => {
        await refused(await patch({ sync: { privacy_floor: -40 } }), "sync.privacy_floor");
      });
    } finally {
      expect((await patch({ "sync.privacy_ceiling": null })).status).toBe(200);
    }
  });

  it("the same key given twice in two forms is ambiguous: refused, naming it", async () => {
    await unchangedAfter(async () => {
      const message = await refused(
        await patch({ sync: { privacy_floor: 3 }, "sync.privacy_floor": -15 }),
        "sync.privacy_floor",
      );
      expect(message).toMatch(/more than once/);
    });
  });

  it("a backend its connection cannot serve is refused before anything is stored", async () => {
    // The env's URL is a postgres:// one: the redis backend needs the Upstash REST URL.
    await unchangedAfter(async () => {
      await refused(await patch({ sync: { backend: "redis" } }), "sync.connection_url");
    });
  });
});

describe("keys that are not settings", () => {
  it.each([
    ['{"__proto__": {"sync.privacy_floor": 5}}', "__proto__"],
    ['{"sync": {"__proto__": {"privacy_floor": 5}}}', "sync.__proto__"],
    ['{"sync.options": {"constructor": 1}}', "sync.options.constructor"],
    ['{"sync.prototype": 1}', "sync.prototype"],
  ])("%s is refused naming the path", async (body, field) => {
    await unchangedAfter(async () => {
      await refused(await patchText(body), field);
    });
  });

  it("an unknown key, nested or dotted, is refused naming it", async () => {
    await unchangedAfter(async () => {
      await refused(await patch({ sync: { privacy_flor: 0 } }), "sync.privacy_flor");
      await refused(await patch({ "sync.privacy_flor": 0 }), "sync.privacy_flor");
      await refused(await patch({ sync: 5 }), "sync");
      await refused(await patch([["sync.enabled", true]]), "(root)");
    });
  });
});

describe("stored overrides in forms an older version wrote", () => {
  it("a nested namespace row is left out and reported, never applied; null clears it", async () => {
    await db.query(
      `insert into "${schemaA}".settings (key, value) values
         ('memory', '{"namespace": "other", "team_namespace_prefix": "squad"}'::jsonb)`,
    );
    try {
      const current = await view();
      expect(current.settings["memory.namespace"]).toBe(namespace);
      expect(current.settings_errors.map((e) => e.key)).toEqual(["memory"]);
      expect(current.settings_errors[0]?.message).toMatch(/memory\.namespace/);
      // Any other patch is refused while it is stored, naming it.
      await refused(await patch({ "logging.level": "DEBUG" }), "memory");
    } finally {
      expect((await patch({ memory: null })).status).toBe(200);
    }
    expect(await stored()).toEqual({});
    expect((await view()).settings_errors).toEqual([]);
  });
});
