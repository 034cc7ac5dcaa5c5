import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningRegion } from "../local/region.js";
import { call, type Regions, startRegions } from "./harness.js";

/**
 * Upstream Memoria's POST /memory bodies (its `MemoryEntry` plus the keys its route pops),
 * generated over every field it documents, valid and invalid: each is accepted or refused
 * as upstream would (2xx vs 4xx, the field at fault named), and a refused one stores nothing.
 * Only inputs where both APIs mean the same are generated; docs/api.md lists where they differ.
 */

const DAY_MS = 86_400_000;
const ABSENT = Symbol("absent");
type Value = unknown | typeof ABSENT;
/** One field's value and, when upstream refuses it, the field upstream names. */
interface Variant {
  value: Value;
  defect?: string;
}

let regions: Regions;
let a: RunningRegion;
beforeAll(async () => {
  regions = await startRegions({ backend: "redis" });
  a = regions.region("region-a");
});
afterAll(async () => {
  await regions?.stop();
});

const ok = (value: Value): Variant => ({ value });
const bad = (value: Value, defect: string): Variant => ({ value, defect });
/** Valid values six times as often as invalid ones, so both kinds of body are common. */
function pick(valid: fc.Arbitrary<Variant>[], invalid: fc.Arbitrary<Variant>[]) {
  return fc.oneof(
    { arbitrary: fc.oneof(...valid), weight: 6 },
    { arbitrary: fc.oneof(...invalid), weight: 1 },
  );
}
const text = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== "");

const coordinate = (field: string, range: number) =>
  pick(
    [
      fc.constantFrom(ok(ABSENT), ok(null), ok("")),
      fc.double({ min: -range, max: range, noNaN: true }).map(ok),
      fc.integer({ min: -range, max: range }).map((n) => ok(String(n))),
    ],
    [
      fc.double({ min: range + 0.5, max: 1000, noNaN: true }).map((n) => bad(n, field)),
      fc.double({ min: -1000, max: -range - 0.5, noNaN: true }).map((n) => bad(n, field)),
      fc.constant(bad("abc", field)),
    ],
  );

/** A time `days` from today at noon UTC, in the spellings upstream's pydantic accepts. */
function when(days: number, style: number): string {
  const now = new Date();
  const noon = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12);
  const iso = new Date(noon + days * DAY_MS).toISOString();
  return [iso, iso.replace("Z", ""), iso.replace("Z", "+00:00"), iso.slice(0, 10)][style] as string;
}
const day = fc.integer({ min: -400, max: 400 });
const style = fc.nat(3);
const pair = (timestamp: Variant, x_coord: Variant) => ({ value: { timestamp, x_coord } });

/** timestamp and x_coord together: upstream's rule (within a day, or x_coord_mismatch). */
const time = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.oneof(
      fc.constantFrom(pair(ok(ABSENT), ok(ABSENT)), pair(ok(null), ok(ABSENT))),
      fc.tuple(day, style).map(([d, s]) => pair(ok(when(d, s)), ok(ABSENT))),
      fc.tuple(day, style).map(([d, s]) => pair(ok(when(d, s)), ok(d))),
      day.map((d) => pair(ok(""), ok(d))),
      fc.double({ min: -3000, max: 3000, noNaN: true }).map((x) => pair(ok(ABSENT), ok(x))),
      fc.integer({ min: -3000, max: 3000 }).map((x) => pair(ok(ABSENT), ok(String(x)))),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc
        .tuple(day, style, fc.integer({ min: 3, max: 50 }), fc.boolean())
        .map(([d, s, off, up]) => pair(ok(when(d, s)), bad(d + (up ? off : -off), "x_coord"))),
      fc.constant(pair(bad("yesterday", "timestamp"), ok(ABSENT))),
      fc.constant(pair(ok(ABSENT), bad("abc", "x_coord"))),
    ),
  },
);

const entry = fc.record({
  anchor: pick([text.map(ok)], [fc.constantFrom(bad(ABSENT, "anchor"), bad(7, "anchor"))]),
  text: pick([text.map(ok)], [fc.constantFrom(bad(ABSENT, "text"), bad(["t"], "text"))]),
  tokens: pick(
    [fc.nat(5000).map(ok), fc.nat(5000).map((n) => ok(String(n)))],
    [fc.constantFrom(bad(ABSENT, "tokens"), bad(2.5, "tokens"), bad("many", "tokens"))],
  ),
  time,
  y_coord: coordinate("y_coord", 15),
  z_coord: coordinate("z_coord", 15),
  symbolic_anchors: pick(
    [
      fc.constantFrom(ok(ABSENT), ok(null), ok("   ")),
      fc.array(fc.oneof(text, fc.constantFrom("  ", " padded ")), { maxLength: 4 }).map(ok),
      text.map(ok),
    ],
    [fc.constant(bad(5, "symbolic_anchors"))],
  ),
  team_id: fc.constantFrom(ok(ABSENT), ok(""), ok("alpha"), ok("bravo")),
  workspace_id: fc.constantFrom(ok(ABSENT), ok("alpha"), ok("ops")),
  namespace: fc.constantFrom(ok(ABSENT), ok(null), ok("@own")),
  share_with_team: fc.constantFrom(ok(ABSENT), ok(true), ok(false), ok("yes")),
  promotion_weights: fc.constantFrom(ok(ABSENT), ok({ recency: 0.5 })),
  ingest_mode: fc.constantFrom(ok(ABSENT), ok("standard")),
});
type Entry = typeof entry extends fc.Arbitrary<infer T> ? T : never;

function flatten(generated: Entry): Record<string, Variant> {
  const { time: t, ...rest } = generated;
  return { ...rest, timestamp: t.value.timestamp, x_coord: t.value.x_coord };
}

function bodyOf(variants: Record<string, Variant>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, variant] of Object.entries(variants)) {
    if (variant.value === ABSENT) continue;
    body[name] = variant.value === "@own" ? regions.namespace : variant.value;
  }
  return body;
}

/** What upstream stores for an accepted body: y (ours: the most private y allowed), anchors, x. */
function expectStored(body: Record<string, unknown>, memory: Record<string, unknown>) {
  const coord = (v: unknown) =>
    v === null || v === "" || v === undefined ? undefined : Number(v) + 0; // -0 travels as 0
  expect(memory.y_coord).toBe(coord(body.y_coord) ?? -15);
  expect(memory.z_coord).toBe(coord(body.z_coord) ?? 0);
  expect(memory.anchor).toBe(body.anchor);
  expect(memory.tokens).toBe(Number(body.tokens));
  const anchors = body.symbolic_anchors;
  const list = anchors === null || anchors === undefined ? [] : [anchors].flat();
  expect(memory.symbolic_anchors).toEqual(
    (list as string[]).map((s) => s.trim()).filter((s) => s !== ""),
  );
  const team = (body.team_id || undefined) ?? body.workspace_id ?? null;
  expect(memory.team_id).toBe(team);
  const x = coord(body.x_coord);
  const ts = coord(body.timestamp) === undefined ? undefined : (body.timestamp as string);
  if (x !== undefined) expect(memory.x_coord).toBe(x);
  else if (ts !== undefined) {
    const days = Math.floor(Date.parse(memory.timestamp as string) / DAY_MS);
    expect(memory.x_coord).toBe(days - Math.floor(Date.now() / DAY_MS));
  } else expect(memory.x_coord).toBe(0);
}

async function allIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  let after: string | undefined;
  do {
    const page = (await (
      await call(a, `/memory?limit=200${after ? `&after=${encodeURIComponent(after)}` : ""}`)
    ).json()) as { items: Array<{ id: string }>; next?: string | null };
    for (const item of page.items) ids.add(item.id);
    after = page.next ?? undefined;
  } while (after);
  return ids;
}

describe("upstream MemoryEntry bodies on POST /memory", () => {
  it("are accepted or refused as upstream would, naming the field; refused ones store nothing", async () => {
    const before = await allIds();
    const stored = new Set<string>();
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(entry, async (generated) => {
        const variants = flatten(generated);
        const defects = new Set(
          Object.values(variants).flatMap((v) => (v.defect === undefined ? [] : [v.defect])),
        );
        const body = bodyOf(variants);
        const response = await call(a, "/memory", { method: "POST", json: body });
        const answer = (await response.json()) as Record<string, unknown>;
        if (defects.size === 0) {
          expect(response.status, JSON.stringify({ body, answer })).toBe(201);
          expect(answer).toMatchObject({ status: "stored", anchor: body.anchor });
          const memory = answer.memory as Record<string, unknown>;
          expect(answer.memory_id).toBe(memory.id);
          expectStored(body, memory);
          stored.add(memory.id as string);
          accepted++;
          return;
        }
        refused++;
        expect(response.status, JSON.stringify({ body, answer })).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get("content-type")).toBe("application/problem+json");
        expect(typeof answer.message).toBe("string");
        const named = new Set((answer.errors as Array<{ field: string }>).map((e) => e.field));
        for (const field of named) expect(defects, JSON.stringify(answer)).toContain(field);
        if (defects.size === 1) expect([...named]).toEqual([...defects]);
      }),
      { numRuns: 200 },
    );
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
    expect(await allIds()).toEqual(new Set([...before, ...stored]));
  });
});

async function problemFields(response: Response, status: number): Promise<string[]> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { message: string; errors?: Array<{ field: string }> };
  expect(body.message).toBeTruthy();
  return (body.errors ?? []).map((e) => e.field);
}

describe("upstream's names beside ours", () => {
  const base = { anchor: "a", text: "t", tokens: 1 };
  const post = (json: unknown) => call(a, "/memory", { method: "POST", json });

  it("refuses an alias and its upstream name with different values, naming both", async () => {
    expect(await problemFields(await post({ ...base, y: 1, y_coord: 2 }), 400)).toEqual([
      "y",
      "y_coord",
    ]);
    expect(await problemFields(await post({ ...base, team: "a", team_id: "b" }), 400)).toEqual([
      "team",
      "team_id",
    ]);
    expect((await post({ ...base, y: 2, y_coord: 2, team: "a", team_id: "a" })).status).toBe(201);
  });

  it("takes a namespace that is this region's or one of its team spaces, else names it", async () => {
    const own = await post({ ...base, namespace: regions.namespace });
    expect(((await own.json()) as { namespace: string }).namespace).toBe(regions.namespace);
    const team = (await (await post({ ...base, namespace: "team-alpha" })).json()) as Record<
      string,
      unknown
    >;
    expect(team).toMatchObject({
      namespace: "team-alpha",
      team_id: "alpha",
      workspace_id: "alpha",
    });
    expect(await problemFields(await post({ ...base, namespace: "elsewhere" }), 400)).toEqual([
      "namespace",
    ]);
    expect(
      await problemFields(await post({ ...base, team_id: "bravo", namespace: "team-alpha" }), 400),
    ).toEqual(["namespace"]);
  });

  it("refuses personal ingest, which needs fields this API does not store", async () => {
    expect(await problemFields(await post({ ...base, ingest_mode: "personal" }), 400)).toEqual([
      "ingest_mode",
    ]);
  });

  it("PUT takes upstream's names and answers status updated; DELETE answers status deleted", async () => {
    const created = (await (await post({ ...base, y_coord: 3 })).json()) as { memory_id: string };
    const id = created.memory_id;
    const put = await call(a, `/memory/${id}`, {
      method: "PUT",
      json: { timestamp: when(-10, 0), y_coord: "4", symbolic_anchors: " one " },
    });
    expect(put.status).toBe(200);
    const updated = (await put.json()) as Record<string, unknown>;
    expect(updated).toMatchObject({ status: "updated", memory_id: id });
    expect(updated.memory).toMatchObject({ x_coord: -10, y_coord: 4, symbolic_anchors: ["one"] });
    const mismatch = await call(a, `/memory/${id}`, {
      method: "PUT",
      json: { timestamp: when(-10, 0), x_coord: 5 },
    });
    expect(await problemFields(mismatch, 400)).toEqual(["x_coord"]);
    const deleted = await call(a, `/memory/${id}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toMatchObject({ status: "deleted", memory_id: id });
    expect((await call(a, `/memory/${id}`, { method: "DELETE" })).status).toBe(404);
  });
});
