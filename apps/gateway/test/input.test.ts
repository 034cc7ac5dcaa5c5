import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, call, startTwoRegions, type TwoRegions } from "./harness.js";

/** Every endpoint's bad input: a 4xx problem+json naming the field, and nothing stored changes. */

let regions: TwoRegions;
let existing: string;
beforeAll(async () => {
  regions = await startTwoRegions({ backend: "redis" });
  const response = await call(regions.a, "/memory", {
    method: "POST",
    json: { text: "keep me", y: 3, x: 1 },
  });
  existing = ((await response.json()) as { memory: { id: string } }).memory.id;
});
afterAll(async () => {
  await regions?.stop();
});

async function snapshot() {
  const list = await (await call(regions.a, "/memory?limit=200")).json();
  const settings = await (await call(regions.a, "/settings", { key: API_KEY })).json();
  return { list, settings };
}

async function expectProblem(response: Response, status: number, fields: string[] = []) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = (await response.json()) as {
    status: number;
    title: string;
    errors?: Array<{ field: string }>;
  };
  expect(body.status).toBe(status);
  expect(body.title).toBeTruthy();
  for (const field of fields) expect(body.errors?.map((e) => e.field)).toContain(field);
}

describe("bad input never changes the store", () => {
  it("POST /memory: wrong types, out-of-range y, missing text, unknown fields, bad JSON, wrong content type, huge body", async () => {
    const before = await snapshot();
    await expectProblem(
      await call(regions.a, "/memory", { method: "POST", json: { text: 5, y: "x" } }),
      400,
      ["text", "y"],
    );
    await expectProblem(
      await call(regions.a, "/memory", { method: "POST", json: { text: "ok", y: 40 } }),
      400,
      ["y"],
    );
    await expectProblem(
      await call(regions.a, "/memory", { method: "POST", json: { text: "ok", y: 1, z: -16 } }),
      400,
      ["z"],
    );
    await expectProblem(await call(regions.a, "/memory", { method: "POST", json: { y: 1 } }), 400, [
      "text",
    ]);
    await expectProblem(
      await call(regions.a, "/memory", {
        method: "POST",
        json: { text: "ok", y: 1, colour: "red" },
      }),
      400,
    );
    await expectProblem(
      await call(regions.a, "/memory", {
        method: "POST",
        json: { text: "ok", y: 1, symbolic_anchors: "not a list" },
      }),
      400,
      ["symbolic_anchors"],
    );
    await expectProblem(
      await call(regions.a, "/memory", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      }),
      400,
      ["(root)"],
    );
    await expectProblem(
      await call(regions.a, "/memory", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "hello",
      }),
      415,
    );
    await expectProblem(
      await call(regions.a, "/memory", {
        method: "POST",
        json: { text: "x".repeat(300_000), y: 1 },
      }),
      413,
    );
    await expectProblem(await call(regions.a, "/memory", { method: "POST", json: [1, 2, 3] }), 400);
    expect(await snapshot()).toEqual(before);
  });

  it("PUT and DELETE /memory/:id: bad ids, unknown ids, bad patches", async () => {
    const before = await snapshot();
    await expectProblem(
      await call(regions.a, "/memory/not-an-id", { method: "PUT", json: { text: "x" } }),
      400,
      ["id"],
    );
    await expectProblem(
      await call(regions.a, "/memory/01900000-0000-7000-8000-000000000000", {
        method: "PUT",
        json: { text: "x" },
      }),
      404,
    );
    await expectProblem(
      await call(regions.a, `/memory/${existing}`, { method: "PUT", json: {} }),
      400,
    );
    await expectProblem(
      await call(regions.a, `/memory/${existing}`, { method: "PUT", json: { y: -99 } }),
      400,
      ["y"],
    );
    await expectProblem(
      await call(regions.a, `/memory/${existing}`, { method: "PUT", json: { tokens: -1 } }),
      400,
      ["tokens"],
    );
    await expectProblem(
      await call(regions.a, "/memory/01900000-0000-7000-8000-000000000000", { method: "DELETE" }),
      404,
    );
    await expectProblem(await call(regions.a, "/memory/../../etc", { method: "DELETE" }), 404);
    expect(await snapshot()).toEqual(before);
  });

  it("GET /memory: bad query values name their parameter", async () => {
    await expectProblem(await call(regions.a, "/memory?y_min=abc"), 400, ["y_min"]);
    await expectProblem(await call(regions.a, "/memory?limit=0"), 400, ["limit"]);
    await expectProblem(await call(regions.a, "/memory?x_min=5&x_max=1"), 400, ["x_max"]);
    await expectProblem(await call(regions.a, "/memory?since=yesterday"), 400, ["since"]);
    await expectProblem(await call(regions.a, "/memory?after=garbage"), 400, ["after"]);
    await expectProblem(await call(regions.a, "/memory?colour=red"), 400);
    await expectProblem(await call(regions.a, "/nowhere"), 404);
  });

  it("PATCH /settings: bad values, unknown keys and fixed keys are refused whole", async () => {
    const before = await snapshot();
    await expectProblem(
      await call(regions.a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "sync.privacy_floor": -40 },
      }),
      400,
      ["sync.privacy_floor"],
    );
    await expectProblem(
      await call(regions.a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "sync.privacy_flor": 0, "sync.privacy_floor": 0 },
      }),
      400,
      ["sync.privacy_flor"],
    );
    await expectProblem(
      await call(regions.a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "sync.privacy_floor": 10, "sync.privacy_ceiling": 5 },
      }),
      400,
      ["sync.privacy_ceiling"],
    );
    await expectProblem(
      await call(regions.a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { DECREMENT_TZ: "Mars/Base" },
      }),
      400,
      ["DECREMENT_TZ"],
    );
    await expectProblem(
      await call(regions.a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "region.id": "region-z" },
      }),
      400,
      ["region.id"],
    );
    await expectProblem(
      await call(regions.a, "/settings", { method: "PATCH", key: API_KEY, json: ["sync.enabled"] }),
      400,
    );
    // A configuration the backend cannot use is refused before it is saved: the URL form
    // the operator guides write for Redis needs TCP, which Workers do not have.
    await expectProblem(
      await call(regions.a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "sync.connection_url": "redis://redis.internal:6379/0" },
      }),
      400,
      ["sync.connection_url"],
    );
    await expectProblem(
      await call(regions.a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "sync.options": { retries: 2, socket_keepalive_intervall: 5 } },
      }),
      400,
      ["sync.options.socket_keepalive_intervall"],
    );
    await expectProblem(
      await call(regions.a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        headers: { "content-type": "application/json" },
        body: "{",
      }),
      400,
    );
    expect(await snapshot()).toEqual(before);
  });

  it("a masked secret sent back keeps its value", async () => {
    const response = await call(regions.a, "/settings", {
      method: "PATCH",
      key: API_KEY,
      json: { "sync.connection_url": "***", "sync.realtime_replication": true },
    });
    expect(response.status).toBe(200);
    const health = (await (await call(regions.a, "/healthz")).json()) as { status: string };
    expect(health.status).toBe("ok");
  });
});

describe("memory.team_namespace_prefix", () => {
  it("forms each answer's team_namespace, and a settings change takes effect at once", async () => {
    const created = await call(regions.a, "/memory", {
      method: "POST",
      json: { text: "team note", y: 2, team: "alpha" },
    });
    const { memory } = (await created.json()) as { memory: { id: string; team_namespace: string } };
    expect(memory.team_namespace).toBe("team-alpha");
    const patched = await call(regions.a, "/settings", {
      method: "PATCH",
      key: API_KEY,
      json: { "memory.team_namespace_prefix": "squad" },
    });
    expect(patched.status).toBe(200);
    const read = (await (await call(regions.a, `/memory/${memory.id}`)).json()) as {
      memory: { team_namespace: string };
    };
    expect(read.memory.team_namespace).toBe("squad-alpha");
    const list = (await (await call(regions.a, "/memory?team=alpha")).json()) as {
      items: Array<{ team_namespace: string | null }>;
    };
    expect(list.items.map((item) => item.team_namespace)).toEqual(["squad-alpha"]);
    await call(regions.a, "/settings", {
      method: "PATCH",
      key: API_KEY,
      json: { "memory.team_namespace_prefix": null },
    });
  });
});

describe("admin and settings need X-API-Key", () => {
  const guarded: Array<[string, string, unknown?]> = [
    ["GET", "/settings"],
    ["PATCH", "/settings", { "sync.privacy_floor": 0 }],
    ["POST", "/admin/promote"],
    ["GET", "/sync/events?since=2026-01-01T00:00:00Z"],
    ["POST", "/sync/catch-up", { since: "2026-01-01T00:00:00Z" }],
  ];
  for (const [method, path, json] of guarded) {
    it(`${method} ${path}: 401 without the key and with a wrong one`, async () => {
      await expectProblem(
        await call(regions.a, path, { method, key: null, ...(json ? { json } : {}) }),
        401,
      );
      await expectProblem(
        await call(regions.a, path, { method, key: `${API_KEY}x`, ...(json ? { json } : {}) }),
        401,
      );
      await expectProblem(
        await call(regions.a, path, {
          method,
          key: API_KEY.slice(0, -1),
          ...(json ? { json } : {}),
        }),
        401,
      );
    });
  }

  it("an unsigned wake-up hint is refused", async () => {
    await expectProblem(
      await call(regions.a, "/sync/wake", {
        method: "POST",
        key: null,
        json: { from: "region-b", at: Date.now() },
      }),
      401,
    );
  });

  it("catch-up with the key replays without applying anything twice", async () => {
    const response = await call(regions.b, "/sync/catch-up", {
      method: "POST",
      key: API_KEY,
      json: { since: new Date(Date.now() - 3_600_000).toISOString() },
    });
    expect(response.status).toBe(200);
    const totals = (await response.json()) as { read: number; applied: number; duplicate: number };
    expect(totals.read).toBeGreaterThan(0);
    expect(totals.applied).toBe(0);
  });
});
