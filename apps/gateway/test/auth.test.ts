import { type RouteCase, routeCases } from "@memoria/gateway/local/routes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningRegion } from "../local/region.js";
import { API_KEY, call, eventually, type Regions, startRegions } from "./harness.js";

/**
 * Credentials on every route, read off the app (`local/routes.ts`): each route × {no key,
 * wrong key, revoked key, wrong-scope key, right key} on both regions; refused requests
 * change nothing; team-bound keys; keys made and revoked in one region hold in the other.
 */

let regions: Regions;
let a: RunningRegion;
let b: RunningRegion;
const keys: Record<string, string> = {};

async function makeKey(region: RunningRegion, body: Record<string, unknown>) {
  const response = await call(region, "/admin/keys", { method: "POST", json: body });
  expect(response.status).toBe(201);
  return (await response.json()) as { key: { id: string; prefix: string }; secret: string };
}

beforeAll(async () => {
  regions = await startRegions({ backend: "redis" });
  a = regions.region("region-a");
  b = regions.region("region-b");
  for (const [name, scopes] of Object.entries({
    read: ["read"],
    write: ["write"],
    admin: ["admin"],
    readWrite: ["read", "write"],
    revoked: ["read", "write", "admin"],
  })) {
    keys[name] = (await makeKey(a, { scopes, name })).secret;
  }
  const listed = (await (await call(a, "/admin/keys")).json()) as {
    keys: Array<{ id: string; name: string }>;
  };
  const revoked = listed.keys.find((k) => k.name === "revoked")?.id;
  expect((await call(a, `/admin/keys/${revoked}`, { method: "DELETE" })).status).toBe(200);
  // Every key (and the revocation) has reached region-b.
  await eventually(async () => {
    const ok = (await call(b, "/memory?limit=1", { key: keys.read })).status === 200;
    const gone = (await call(b, "/memory?limit=1", { key: keys.revoked })).status === 401;
    const admin = (await call(b, "/settings", { key: keys.admin })).status === 200;
    return ok && gone && admin ? true : undefined;
  });
});
afterAll(async () => {
  await regions?.stop();
});

/** A key with some scope, but not `need` (undefined when every valid key may pass). */
function wrongScopeKey(need: RouteCase["need"]): string | undefined {
  if (need === "read") return keys.write;
  if (need === "write") return keys.read;
  if (need === "admin") return keys.readWrite;
  return undefined;
}

function rightKey(need: RouteCase["need"]): string {
  return need === "public" || need === "monitor" ? (keys.read as string) : (keys[need] as string);
}

async function expectRefused(response: Response, status: 401 | 403) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  if (status === 401) expect(response.headers.get("www-authenticate")).toContain("X-API-Key");
  await response.arrayBuffer();
}

/** What root sees of everything a refused request could have changed. */
async function snapshot(region: RunningRegion) {
  const read = async (path: string) => (await call(region, path)).json();
  const keyList = (await read("/admin/keys")) as { keys: Array<Record<string, unknown>> };
  return {
    memories: await read("/memory?limit=200"),
    // last_used_at moves with every accepted use; it is this region's bookkeeping, not state.
    keys: keyList.keys.map(({ last_used_at: _used, ...key }) => key),
    settings: await read("/settings"),
  };
}

describe("every route, every credential, both regions", () => {
  const cases = routeCases();

  it("covers every route the app has", () => {
    expect(cases.length).toBeGreaterThanOrEqual(17);
    expect(
      cases
        .filter((c) => c.need === "public")
        .map((c) => c.route)
        .sort(),
    ).toEqual(["/docs", "/healthz", "/openapi.json", "/sync/wake"]);
  });

  // All refusals first, on both regions: an accepted request below (a key made in A)
  // replicates, and must not be mistaken for a change a refused one made.
  for (const name of ["a", "b"] as const) {
    it(`region-${name}: 401 without, with a wrong and with a revoked key; 403 with the wrong scope; nothing changes`, async () => {
      const region = regions.region(`region-${name}`);
      const before = await snapshot(region);
      for (const route of cases.filter((c) => c.need !== "public")) {
        const send = (key: string | null, headers: Record<string, string> = {}) =>
          call(region, route.path, {
            method: route.method,
            key,
            headers,
            ...(route.json !== undefined ? { json: route.json } : {}),
          });
        await expectRefused(await send(null), 401);
        await expectRefused(await send("mem_1111111111111111111111111111111x"), 401);
        await expectRefused(await send(null, { authorization: "Bearer not-a-key-at-all" }), 401);
        await expectRefused(await send(keys.revoked as string), 401);
        const wrong = wrongScopeKey(route.need);
        if (wrong) await expectRefused(await send(wrong), 403);
        // The monitor key reads health and metrics only.
        if (route.need !== "monitor") await expectRefused(await send(regions.monitorKey), 403);
      }
      expect(await snapshot(region)).toEqual(before);
    });
  }

  for (const name of ["a", "b"] as const) {
    it(`region-${name}: the right scope (as X-API-Key or Bearer) gets through`, async () => {
      const region = regions.region(`region-${name}`);
      // `/sync/wake` takes no key: the HMAC of its hint is its credential (refused unsigned).
      for (const route of cases.filter((c) => c.route !== "/sync/wake")) {
        const key = rightKey(route.need);
        const asBearer = route.method === "GET";
        const response = await call(region, route.path, {
          method: route.method,
          key: asBearer ? null : key,
          headers: asBearer ? { authorization: `Bearer ${key}` } : {},
          ...(route.json !== undefined ? { json: route.json } : {}),
        });
        expect([401, 403], `${route.method} ${route.path}`).not.toContain(response.status);
        await response.arrayBuffer();
      }
      expect((await call(region, "/healthz", { key: null })).status).toBe(200);
      for (const path of ["/health/sync", "/metrics"]) {
        expect((await call(region, path, { key: regions.monitorKey })).status).toBe(200);
        expect((await call(region, path, { key: null })).status).toBe(401);
      }
    });
  }
});

describe("team-bound keys", () => {
  it("a team-alpha key never reads, lists or changes a team-bravo record", async () => {
    const alpha = (await makeKey(a, { scopes: ["read", "write"], teams: ["alpha"] })).secret;
    const create = async (team: string | undefined) =>
      (
        (await (
          await call(a, "/memory", {
            method: "POST",
            json: { text: `of ${team}`, y: 5, team },
          })
        ).json()) as { memory: { id: string } }
      ).memory.id;
    const mine = await create("alpha");
    const theirs = await create("bravo");
    const nobody = await create(undefined);
    const as = (path: string, init: Parameters<typeof call>[2] = {}) =>
      call(a, path, { ...init, key: alpha });
    expect((await as(`/memory/${mine}`)).status).toBe(200);
    for (const id of [theirs, nobody]) {
      expect((await as(`/memory/${id}`)).status).toBe(404);
      expect(
        (await as(`/memory/${id}`, { method: "PUT", json: { text: "mine now" } })).status,
      ).toBe(404);
      expect((await as(`/memory/${id}`, { method: "DELETE" })).status).toBe(404);
    }
    const list = (await (await as("/memory?limit=200")).json()) as {
      items: Array<{ team: string }>;
    };
    expect(list.items.length).toBeGreaterThan(0);
    expect(new Set(list.items.map((m) => m.team))).toEqual(new Set(["alpha"]));
    expect(((await (await as("/memory?team=bravo")).json()) as { items: unknown[] }).items).toEqual(
      [],
    );
    // Writing into another team, or moving a record out of its own, is refused.
    expect(
      (await as("/memory", { method: "POST", json: { text: "x", y: 5, team: "bravo" } })).status,
    ).toBe(403);
    expect((await as(`/memory/${mine}`, { method: "PUT", json: { team: "bravo" } })).status).toBe(
      403,
    );
    const untouched = (await (await call(a, `/memory/${theirs}`)).json()) as {
      memory: { text: string };
    };
    expect(untouched.memory.text).toBe("of bravo");
  });

  it("an admin key cannot be team-bound", async () => {
    const response = await call(a, "/admin/keys", {
      method: "POST",
      json: { scopes: ["admin"], teams: ["alpha"] },
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain("teams");
  });
});

describe("keys across regions", () => {
  it("a key made in A works in B after one cycle, and its revocation in A refuses it in B", async () => {
    const made = await makeKey(a, { scopes: ["read"], name: "roaming" });
    expect(made.secret).toMatch(/^mem_[1-9A-HJ-NP-Za-km-z]{32}$/);
    await eventually(async () =>
      (await call(b, "/memory?limit=1", { key: made.secret })).status === 200 ? true : undefined,
    );
    // Listings never show the secret or its hash.
    const listing = JSON.stringify(await (await call(b, "/admin/keys")).json());
    expect(listing).toContain(made.key.prefix);
    expect(listing).not.toContain(made.secret);
    expect(listing).not.toContain('"hash"');
    expect((await call(a, `/admin/keys/${made.key.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await call(a, "/memory?limit=1", { key: made.secret })).status).toBe(401);
    await eventually(async () =>
      (await call(b, "/memory?limit=1", { key: made.secret })).status === 401 ? true : undefined,
    );
  });

  it("the root key (MEMORIA_API_KEY) does everything, in both regions", async () => {
    for (const region of [a, b])
      expect((await call(region, "/admin/keys", { key: API_KEY })).status).toBe(200);
  });
});
