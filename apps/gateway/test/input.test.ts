import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningRegion } from "../local/region.js";
import { API_KEY, call, type Regions, startRegions } from "./harness.js";

/** Every endpoint's bad input: a 4xx problem+json naming the field, and nothing stored changes. */

let regions: Regions;
let a: RunningRegion;
let b: RunningRegion;
let existing: string;
beforeAll(async () => {
  regions = await startRegions({ backend: "redis" });
  a = regions.region("region-a");
  b = regions.region("region-b");
  const response = await call(a, "/memory", {
    method: "POST",
    json: { text: "keep me", y: 3, x: 1 },
  });
  existing = ((await response.json()) as { memory: { id: string } }).memory.id;
});
afterAll(async () => {
  await regions?.stop();
});

async function snapshot() {
  const list = await (await call(a, "/memory?limit=200")).json();
  const settings = await (await call(a, "/settings", { key: API_KEY })).json();
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
      await call(a, "/memory", { method: "POST", json: { text: 5, y: "x" } }),
      400,
      ["text", "y"],
    );
    await expectProblem(
      await call(a, "/memory", { method: "POST", json: { text: "ok", y: 40 } }),
      400,
      ["y"],
    );
    await expectProblem(
      await call(a, "/memory", { method: "POST", json: { text: "ok", y: 1, z: -16 } }),
      400,
      ["z"],
    );
    await expectProblem(await call(a, "/memory", { method: "POST", json: { y: 1 } }), 400, [
      "text",
    ]);
    await expectProblem(
      await call(a, "/memory", {
        method: "POST",
        json: { text: "ok", y: 1, colour: "red" },
      }),
      400,
    );
    await expectProblem(
      await call(a, "/memory", {
        method: "POST",
        json: { text: "ok", y: 1, symbolic_anchors: "not a list" },
      }),
      400,
      ["symbolic_anchors"],
    );
    await expectProblem(
      await call(a, "/memory", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      }),
      400,
      ["(root)"],
    );
    await expectProblem(
      await call(a, "/memory", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "hello",
      }),
      415,
    );
    await expectProblem(
      await call(a, "/memory", {
        method: "POST",
        json: { text: "x".repeat(300_000), y: 1 },
      }),
      413,
    );
    await expectProblem(await call(a, "/memory", { method: "POST", json: [1, 2, 3] }), 400);
    expect(await snapshot()).toEqual(before);
  });

  it("PUT and DELETE /memory/:id: bad ids, unknown ids, bad patches", async () => {
    const before = await snapshot();
    await expectProblem(
      await call(a, "/memory/not-an-id", { method: "PUT", json: { text: "x" } }),
      400,
      ["id"],
    );
    await expectProblem(
      await call(a, "/memory/01900000-0000-7000-8000-000000000000", {
        method: "PUT",
        json: { text: "x" },
      }),
      404,
    );
    await expectProblem(await call(a, `/memory/${existing}`, { method: "PUT", json: {} }), 400);
    await expectProblem(
      await call(a, `/memory/${existing}`, { method: "PUT", json: { y: -99 } }),
      400,
      ["y"],
    );
    await expectProblem(
      await call(a, `/memory/${existing}`, { method: "PUT", json: { tokens: -1 } }),
      400,
      ["tokens"],
    );
    await expectProblem(
      await call(a, "/memory/01900000-0000-7000-8000-000000000000", { method: "DELETE" }),
      404,
    );
    await expectProblem(await call(a, "/memory/../../etc", { method: "DELETE" }), 404);
    expect(await snapshot()).toEqual(before);
  });

  it("GET /memory: bad query values name their parameter", async () => {
    await expectProblem(await call(a, "/memory?y_min=abc"), 400, ["y_min"]);
    await expectProblem(await call(a, "/memory?limit=0"), 400, ["limit"]);
    await expectProblem(await call(a, "/memory?x_min=5&x_max=1"), 400, ["x_max"]);
    await expectProblem(await call(a, "/memory?since=yesterday"), 400, ["since"]);
    await expectProblem(await call(a, "/memory?after=garbage"), 400, ["after"]);
    await expectProblem(await call(a, "/memory?colour=red"), 400);
    await expectProblem(await call(a, "/nowhere"), 404);
  });

  it("PATCH /settings: bad values, unknown keys and fixed keys are refused whole", async () => {
    const before = await snapshot();
    await expectProblem(
      await call(a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "sync.privacy_floor": -40 },
      }),
      400,
      ["sync.privacy_floor"],
    );
    await expectProblem(
      await call(a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "sync.privacy_flor": 0, "sync.privacy_floor": 0 },
      }),
      400,
      ["sync.privacy_flor"],
    );
    await expectProblem(
      await call(a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "sync.privacy_floor": 10, "sync.privacy_ceiling": 5 },
      }),
      400,
      ["sync.privacy_ceiling"],
    );
    await expectProblem(
      await call(a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { DECREMENT_TZ: "Mars/Base" },
      }),
      400,
      ["DECREMENT_TZ"],
    );
    await expectProblem(
      await call(a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "region.id": "region-z" },
      }),
      400,
      ["region.id"],
    );
    await expectProblem(
      await call(a, "/settings", { method: "PATCH", key: API_KEY, json: ["sync.enabled"] }),
      400,
    );
    // A configuration the backend cannot use is refused before it is saved: the URL form
    // the operator guides write for Redis needs TCP, which Workers do not have.
    await expectProblem(
      await call(a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "sync.connection_url": "redis://redis.internal:6379/0" },
      }),
      400,
      ["sync.connection_url"],
    );
    await expectProblem(
      await call(a, "/settings", {
        method: "PATCH",
        key: API_KEY,
        json: { "sync.options": { retries: 2, socket_keepalive_intervall: 5 } },
      }),
      400,
      ["sync.options.socket_keepalive_intervall"],
    );
    await expectProblem(
      await call(a, "/settings", {
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
    const response = await call(a, "/settings", {
      method: "PATCH",
      key: API_KEY,
      json: { "sync.connection_url": "***", "sync.realtime_replication": true },
    });
    expect(response.status).toBe(200);
    const health = (await (await call(a, "/healthz")).json()) as { status: string };
    expect(health.status).toBe("ok");
  });
});

describe("what the store cannot hold is a 400 naming the field, never a 500", () => {
  const post = (json: unknown) => call(a, "/memory", { method: "POST", json });
  const bad = ["a\u0000b", "x\ud800", "\udc00y"];

  it("NUL or an unpaired surrogate in any text of a body, in either spelling", async () => {
    const before = await snapshot();
    for (const text of bad) {
      await expectProblem(await post({ text, y: 5 }), 400, ["text"]);
      await expectProblem(await post({ text: "ok", anchor: text, y: 5 }), 400, ["anchor"]);
      await expectProblem(
        await post({ text: "ok", y: 5, symbolic_anchors: ["a", "b", text] }),
        400,
        ["symbolic_anchors[2]"],
      );
      await expectProblem(
        await post({ anchor: "a", text: "ok", tokens: 1, symbolic_anchors: text }),
        400,
        ["symbolic_anchors"],
      );
      await expectProblem(await post({ anchor: "a", text: "ok", tokens: 1, team_id: text }), 400, [
        "team_id",
      ]);
      await expectProblem(
        await post({ anchor: "a", text: "ok", tokens: 1, namespace: text }),
        400,
        ["namespace"],
      );
      // Even a field the API ignores: nothing is let through to chance.
      await expectProblem(
        await post({ anchor: "a", text: "ok", tokens: 1, ingest_mode: text }),
        400,
        ["ingest_mode"],
      );
      await expectProblem(
        await call(a, `/memory/${existing}`, { method: "PUT", json: { text } }),
        400,
        ["text"],
      );
    }
    await expectProblem(
      await call(a, "/admin/keys", {
        method: "POST",
        json: { scopes: ["read"], name: "k\u0000" },
      }),
      400,
      ["name"],
    );
    expect(await snapshot()).toEqual(before);
  });

  it("NUL in a query parameter names the parameter", async () => {
    await expectProblem(await call(a, "/memory/search?query=a%00b"), 400, ["query"]);
    await expectProblem(await call(a, "/memory/search?keyword=ok&keyword=a%00"), 400, [
      "keyword[1]",
    ]);
    await expectProblem(await call(a, "/memory/anchor?anchor=a%00b"), 400, ["anchor[0]"]);
    await expectProblem(await call(a, "/memory/time-range?namespace=%00"), 400, ["namespace"]);
    await expectProblem(await call(a, "/memory?team=a%00"), 400, ["team"]);
  });

  it("times outside years 0001-9999 (UTC) are refused wherever a time is read", async () => {
    const before = await snapshot();
    for (const time of ["0000-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00"]) {
      await expectProblem(await post({ text: "ok", y: 5, timestamp: time }), 400, ["timestamp"]);
      const q = encodeURIComponent(time);
      await expectProblem(await call(a, `/memory?since=${q}`), 400, ["since"]);
      await expectProblem(await call(a, `/memory?until=${q}`), 400, ["until"]);
      await expectProblem(await call(a, `/memory/time-range?start_timestamp=${q}`), 400, [
        "start_timestamp",
      ]);
      await expectProblem(await call(a, `/memory/search?end_timestamp=${q}`), 400, [
        "end_timestamp",
      ]);
      await expectProblem(await call(a, `/sync/events?since=${q}`), 400, ["since"]);
    }
    // x_coord alone sets the time: one that lands outside the range names x_coord.
    await expectProblem(await post({ anchor: "a", text: "ok", tokens: 1, x_coord: 1e9 }), 400, [
      "x_coord",
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it("a crafted page cursor is a 400 naming after", async () => {
    const cursor = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "");
    for (const after of [
      "WyJub3QgYSBkYXRlIiwieCJd",
      cursor(["0000-01-01T00:00:00Z", "x"]),
      cursor(["2026-01-01T00:00:00.000Z", 5]),
      cursor(["2026-01-01T00:00:00.000Z", "a\u0000"]),
      cursor({}),
      "%%%",
    ])
      await expectProblem(await call(a, `/memory?after=${encodeURIComponent(after)}`), 400, [
        "after",
      ]);
    // A real one still pages.
    expect((await post({ text: "second, so there is a next page", y: 4 })).status).toBe(201);
    const page = (await (await call(a, "/memory?limit=1")).json()) as { next: string };
    const next = await call(a, `/memory?limit=1&after=${page.next}`);
    expect(next.status).toBe(200);
    expect(((await next.json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it("a cursor the transport did not make is a 400 naming after on /sync/events", async () => {
    for (const after of ["garbage", "1-2-3", "99999999999999999999999-0"])
      await expectProblem(
        await call(a, `/sync/events?since=2026-01-01T00:00:00Z&after=${after}`),
        400,
        ["after"],
      );
  });
});

describe("memory.team_namespace_prefix", () => {
  it("forms each answer's team_namespace, and a settings change takes effect at once", async () => {
    const created = await call(a, "/memory", {
      method: "POST",
      json: { text: "team note", y: 2, team: "alpha" },
    });
    const { memory } = (await created.json()) as { memory: { id: string; team_namespace: string } };
    expect(memory.team_namespace).toBe("team-alpha");
    const patched = await call(a, "/settings", {
      method: "PATCH",
      key: API_KEY,
      json: { "memory.team_namespace_prefix": "squad" },
    });
    expect(patched.status).toBe(200);
    const read = (await (await call(a, `/memory/${memory.id}`)).json()) as {
      memory: { team_namespace: string };
    };
    expect(read.memory.team_namespace).toBe("squad-alpha");
    const list = (await (await call(a, "/memory?team=alpha")).json()) as {
      items: Array<{ team_namespace: string | null }>;
    };
    expect(list.items.map((item) => item.team_namespace)).toEqual(["squad-alpha"]);
    await call(a, "/settings", {
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
        await call(a, path, { method, key: null, ...(json ? { json } : {}) }),
        401,
      );
      await expectProblem(
        await call(a, path, { method, key: `${API_KEY}x`, ...(json ? { json } : {}) }),
        401,
      );
      await expectProblem(
        await call(a, path, {
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
      await call(a, "/sync/wake", {
        method: "POST",
        key: null,
        json: { from: "region-b", at: Date.now() },
      }),
      401,
    );
  });

  it("catch-up with the key replays without applying anything twice", async () => {
    const response = await call(b, "/sync/catch-up", {
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
