import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningRegion } from "../local/region.js";
import { call, type Regions, startRegions } from "./harness.js";

/**
 * Upstream Memoria's read routes (`/memory/recent`, `/search`, `/spatial`, `/time-range`,
 * `/anchor`) on a real gateway: upstream's parameters and shapes, a 400 naming each bad
 * parameter, and a team-bound key that never sees another team's record in any of them.
 */

interface Item {
  memory_id: string;
  id: string;
  text: string;
  team: string | null;
  x: number;
  x_coord: number;
  y_coord: number;
  z_coord: number;
  symbolic_anchors: string[];
  timestamp: string;
  distance?: number;
}

let regions: Regions;
let a: RunningRegion;
let alphaKey: string;
const ids: Record<string, string> = {};
const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

/** Seeded records: name → body. x agrees with the timestamp (whole days before today, UTC). */
const SEEDS = {
  alpha: {
    team: "alpha",
    anchor: "garden",
    text: "Planted tomatoes in the garden",
    symbolic_anchors: ["garden", "spring"],
    days: 10,
    y: 2,
    z: 1,
  },
  bravo: {
    team: "bravo",
    anchor: "garden",
    text: "Bravo tomatoes, a secret",
    symbolic_anchors: ["garden"],
    days: 9,
    y: 2,
    z: 1,
  },
  nobody: {
    team: undefined,
    anchor: "work",
    text: "Quarterly report",
    symbolic_anchors: ["work"],
    days: 40,
    y: 10,
    z: -5,
  },
  sale: {
    team: "alpha",
    anchor: "shop",
    text: "Discount 50% off_all",
    symbolic_anchors: ["shop"],
    days: 1,
    y: -3,
    z: 0,
  },
} as const;

beforeAll(async () => {
  regions = await startRegions({ backend: "redis" });
  a = regions.region("region-a");
  const today = Date.UTC(
    new Date().getUTCFullYear(),
    new Date().getUTCMonth(),
    new Date().getUTCDate(),
  );
  for (const [name, { days, ...body }] of Object.entries(SEEDS)) {
    const timestamp = daysAgo(days);
    const t = new Date(timestamp);
    const x = (Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()) - today) / DAY;
    const response = await call(a, "/memory", {
      method: "POST",
      json: { ...body, symbolic_anchors: [...body.symbolic_anchors], timestamp, x },
    });
    expect(response.status).toBe(201);
    ids[name] = ((await response.json()) as { memory: { id: string } }).memory.id;
  }
  const made = await call(a, "/admin/keys", {
    method: "POST",
    json: { scopes: ["read"], teams: ["alpha"], name: "upstream-reads-alpha" },
  });
  expect(made.status).toBe(201);
  alphaKey = ((await made.json()) as { secret: string }).secret;
});
afterAll(async () => {
  await regions?.stop();
});

async function get<T>(path: string, key?: string): Promise<{ body: T; response: Response }> {
  const response = await call(a, path, key ? { key } : {});
  expect(response.status, `${path}: ${response.status}`).toBe(200);
  return { body: (await response.json()) as T, response };
}

const names = (items: Item[]) =>
  items.map((item) => Object.keys(ids).find((name) => ids[name] === item.memory_id));

describe("upstream's read routes", () => {
  it("GET /memory/recent: { memories }, newest first, limit and offset", async () => {
    const { body } = await get<{ memories: Item[] }>("/memory/recent?limit=2");
    expect(names(body.memories)).toEqual(["sale", "bravo"]);
    const [first] = body.memories;
    expect(first).toMatchObject({ id: ids.sale, memory_id: ids.sale, y_coord: -3, z_coord: 0 });
    expect(first?.x_coord).toBe(first?.x);
    const page = await get<{ memories: Item[] }>("/memory/recent?limit=1&offset=1");
    expect(names(page.body.memories)).toEqual(["bravo"]);
    const all = await get<{ memories: Item[] }>("/memory/recent");
    expect(all.body.memories).toHaveLength(4);
  });

  it("x_coord is the decremented x a GET /memory/:id reads, and /memory/:id still routes", async () => {
    const one = await get<{ memory: { x: number } }>(`/memory/${ids.nobody}`);
    const { body } = await get<Item[]>("/memory/anchor?anchor=work");
    expect(body[0]?.x_coord).toBe(one.body.memory.x);
  });

  it("GET /memory/search: substring of text or anchor, keywords, anchors, times, point, teams", async () => {
    const search = async (query: string) =>
      (
        await get<{ memories: Item[]; applied_filters: Record<string, unknown> }>(
          `/memory/search?${query}`,
        )
      ).body;
    expect(names((await search("query=TOMATOES")).memories)).toEqual(["bravo", "alpha"]);
    expect(names((await search("q=tomatoes")).memories)).toEqual(["bravo", "alpha"]);
    // `%` and `_` are literal, not patterns.
    expect(names((await search("query=50%25")).memories)).toEqual(["sale"]);
    expect(names((await search("query=0_")).memories)).toEqual([]);
    expect(names((await search("keyword=report&keyword=planted")).memories)).toEqual([
      "alpha",
      "nobody",
    ]);
    expect(names((await search("anchor=spring")).memories)).toEqual(["alpha"]);
    const window = await search(
      `start_timestamp=${daysAgo(12)}&end_timestamp=${daysAgo(5)}&limit=5`,
    );
    expect(names(window.memories)).toEqual(["bravo", "alpha"]);
    expect(window.applied_filters).toMatchObject({ query: "", limit: 5 });
    expect(names((await search("namespace=team-alpha")).memories)).toEqual(["sale", "alpha"]);
    expect(names((await search("team_id=bravo")).memories)).toEqual(["bravo"]);
    expect(names((await search("workspace_id=bravo")).memories)).toEqual(["bravo"]);
    expect(names((await search("namespace=elsewhere")).memories)).toEqual([]);
    const near = await search("y=10&z=-5&max_distance=1");
    expect(names(near.memories)).toEqual(["nobody"]);
    expect(near.memories[0]?.distance).toBe(0);
    const ignored = await search("category=essential&min_importance=0.5&query=report");
    expect(ignored).toMatchObject({
      applied_filters: { category: ["essential"], min_importance: 0.5, query: "report" },
      ignored_filters: ["category", "min_importance"],
    });
    expect(names(ignored.memories)).toEqual(["nobody"]);
  });

  it("GET /memory/spatial: a list nearest first with distance, 3d and 2d", async () => {
    const alpha = (await get<{ memory: { x: number } }>(`/memory/${ids.alpha}`)).body.memory;
    const { body } = await get<Item[]>(`/memory/spatial?x=${alpha.x}&y=2&z=1&max_distance=1.5`);
    expect(Array.isArray(body)).toBe(true);
    expect(names(body)).toEqual(["alpha", "bravo"]);
    expect(body[0]?.distance).toBe(0);
    expect(body[1]?.distance).toBeCloseTo(1);
    const flat = await get<Item[]>("/memory/spatial?mode=2D&y=2&z=1&max_distance=0.5");
    expect(new Set(names(flat.body))).toEqual(new Set(["alpha", "bravo"]));
    const anchored = await get<Item[]>("/memory/spatial?mode=2d&y=2&anchor=spring&max_distance=20");
    expect(names(anchored.body)).toEqual(["alpha"]);
    const limited = await get<Item[]>("/memory/spatial?mode=2d&y=0&max_distance=100&limit=1");
    expect(limited.body).toHaveLength(1);
    // The default max_distance is 5: nothing near y=-15, z=15.
    expect((await get<Item[]>("/memory/spatial?mode=2d&y=-15&z=15")).body).toEqual([]);
  });

  it("GET /memory/time-range: a list oldest first, by timestamp or by x", async () => {
    const byTime = await get<Item[]>(
      `/memory/time-range?start_timestamp=${daysAgo(12)}&end_timestamp=${daysAgo(5)}`,
    );
    expect(names(byTime.body)).toEqual(["alpha", "bravo"]);
    const naive = daysAgo(12).slice(0, 19); // no offset: UTC, as upstream reads it
    expect(names((await get<Item[]>(`/memory/time-range?start_timestamp=${naive}`)).body)).toEqual([
      "alpha",
      "bravo",
      "sale",
    ]);
    const byX = await get<Item[]>("/memory/time-range?start_x=-45&end_x=-30");
    expect(names(byX.body)).toEqual(["nobody"]);
    const all = await get<Item[]>("/memory/time-range?limit=2");
    expect(names(all.body)).toEqual(["nobody", "alpha"]);
    expect(all.response.headers.get("x-memoria-truncated")).toBe("true");
  });

  it("GET /memory/anchor: any of the anchors, as repeated, comma or JSON values", async () => {
    const anchored = async (query: string) =>
      new Set(names((await get<Item[]>(`/memory/anchor?${query}`)).body));
    expect(await anchored("anchor=garden")).toEqual(new Set(["alpha", "bravo"]));
    const workOrSpring = new Set(["alpha", "nobody"]);
    expect(await anchored("anchor=work&anchor=spring")).toEqual(workOrSpring);
    expect(await anchored("anchor=work,%20spring")).toEqual(workOrSpring);
    expect(await anchored(`anchor=${encodeURIComponent('["work", "spring"]')}`)).toEqual(
      workOrSpring,
    );
    expect((await get<Item[]>("/memory/anchor")).body).toEqual([]);
    expect(await anchored("anchor=garden&team_id=bravo")).toEqual(new Set(["bravo"]));
  });
});

describe("bad parameters: 400 problem+json naming the parameter", () => {
  const cases: Array<[string, string]> = [
    ["/memory/recent?limit=0", "limit"],
    ["/memory/recent?limit=abc", "limit"],
    ["/memory/recent?limit=1001", "limit"],
    ["/memory/recent?offset=-1", "offset"],
    ["/memory/recent?team_id=alpha", "team_id"],
    ["/memory/search?limit=-2", "limit"],
    ["/memory/search?start_timestamp=yesterday", "start_timestamp"],
    ["/memory/search?end_timestamp=2026-13-45", "end_timestamp"],
    ["/memory/search?x=abc", "x"],
    ["/memory/search?max_distance=-1", "max_distance"],
    ["/memory/search?min_importance=high", "min_importance"],
    ["/memory/search?team_id=Not%20A%20Team", "team_id"],
    ["/memory/search?anchor=%5Bbroken", "anchor"],
    ["/memory/search?sort=desc", "sort"],
    ["/memory/spatial?mode=4d&x=0&y=0&z=0", "mode"],
    ["/memory/spatial?x=0&z=0", "y"],
    ["/memory/spatial?y=0&z=0", "x"],
    ["/memory/spatial?x=0&y=0", "z"],
    ["/memory/spatial?x=0&y=zero&z=0", "y"],
    ["/memory/spatial?x=0&y=0&z=0&max_distance=far", "max_distance"],
    ["/memory/spatial?mode=2d&y=0&limit=many", "limit"],
    ["/memory/time-range?start_timestamp=nope", "start_timestamp"],
    ["/memory/time-range?end_x=abc", "end_x"],
    ["/memory/time-range?start_x=5&end_x=1", "end_x"],
    [
      "/memory/time-range?start_timestamp=2026-02-01T00:00:00Z&end_timestamp=2026-01-01T00:00:00Z",
      "end_timestamp",
    ],
    ["/memory/anchor?anchor=%5B1%2C", "anchor"],
    ["/memory/anchor?workspace_id=UPPER", "workspace_id"],
  ];
  it.each(cases)("%s names %s", async (path, field) => {
    const response = await call(a, path);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const body = (await response.json()) as { errors?: Array<{ field: string; message: string }> };
    expect(JSON.stringify(body.errors)).toContain(field);
  });
});

describe("team-bound keys", () => {
  it("a team-alpha key never sees a bravo record, nor one without a team, in any route", async () => {
    const paths = [
      "/memory/recent?limit=100",
      "/memory/search?query=tomatoes",
      "/memory/search?team_id=bravo",
      "/memory/search?namespace=team-bravo",
      "/memory/search?y=2&z=1&max_distance=30",
      "/memory/spatial?mode=2d&y=0&max_distance=100&limit=100",
      "/memory/spatial?x=0&y=0&z=0&max_distance=1000",
      "/memory/time-range",
      "/memory/anchor?anchor=garden,work,spring,shop",
      "/memory/anchor?anchor=garden&team_id=bravo",
    ];
    const seen = new Set<string | undefined>();
    for (const path of paths) {
      const { body } = await get<{ memories: Item[] } | Item[]>(path, alphaKey);
      const items = Array.isArray(body) ? body : body.memories;
      for (const item of items) expect(item.team, path).toBe("alpha");
      for (const name of names(items)) seen.add(name);
    }
    expect(seen).toEqual(new Set(["alpha", "sale"]));
    // The same queries with the root key do reach bravo's record.
    const root = await get<Item[]>("/memory/anchor?anchor=garden&team_id=bravo");
    expect(names(root.body)).toEqual(["bravo"]);
  });
});
