import type { RunningRegion } from "@memoria/gateway/local/region";
import { demoRegions, type RegionSpec, type Topology } from "@memoria/gateway/local/topology";
import {
  createTransitKeyring,
  openEvent,
  parseEvent,
  type SyncBackend,
  type SyncEvent,
} from "@memoria/sync-core";
import { Redis } from "@upstash/redis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningRouter } from "../local/router.js";
import { API_KEY, startRegions, startTestRouter } from "./regions.js";
import "./provided.js";

/**
 * The drill, on both backends: region-a (-15..15, writer, every team), region-b
 * (0..12, team alpha only) and region-c (-5..15, team bravo only) behind the router. What
 * each may store arrives there; the transport never carries a written text in clear; a
 * region outside a record's band holds no key that opens it; the router fails over a → b →
 * c, c is promoted, and everything converges once a and b return.
 */

const NEW_YORK = { latitude: "40.71", longitude: "-74.01", continent: "NA" };
const PARIS = { latitude: "48.86", longitude: "2.35", continent: "EU" };
const [A, B, C] = demoRegions(3) as [RegionSpec, RegionSpec, RegionSpec];
const REGIONS: RegionSpec[] = [
  { ...A, teamSpaces: ["*"] },
  { ...B, teamSpaces: ["alpha"] },
  { ...C, teamSpaces: ["bravo"] },
];
const inB = (y: number) => y >= 0 && y <= 12;
const inC = (y: number) => y >= -5 && y <= 15;
/** Every zone of the three bands, both edges of each, then random ys (seeded, so a failure replays). */
const SEED = Number(process.env.THREE_REGIONS_SEED ?? Date.now() % 1_000_000);
const EDGES = [-15, -12, -8, -6, -5, -3, -1, 0, 3, 6, 9, 12, 13, 14, 15];
const YS = [...EDGES, ...randomYs(SEED, 10)];

/** `count` integers in -15..15 from a mulberry32 stream of `seed`. */
function randomYs(seed: number, count: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 31) - 15;
  });
}

async function call(
  region: Pick<RunningRegion, "url">,
  path: string,
  init: { method?: string; json?: unknown } = {},
): Promise<Response> {
  return fetch(`${region.url}${path}`, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers: { "x-api-key": API_KEY, "content-type": "application/json" },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
}

async function textIn(region: RunningRegion, id: string): Promise<string | null> {
  const response = await call(region, `/memory/${id}`);
  if (response.status === 404) return null;
  expect(response.status).toBe(200);
  return ((await response.json()) as { memory: { text: string } }).memory.text;
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every event body on the shared transport, read with the backend's own client. */
async function transportBodies(backend: SyncBackend, topology: Topology): Promise<string[]> {
  const services = inject("localServices");
  if (backend === "redis") {
    const redis = new Redis({ ...services.upstash, automaticDeserialization: false });
    const entries = (await redis.xrange(topology.channel, "-", "+")) as unknown;
    // Whatever the reply's shape, every string in it is scanned.
    return stringsIn(entries);
  }
  const client = new pg.Client({ connectionString: services.postgresUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`select body from ${topology.table} order by id`);
    return rows.map((row) => String(row.body));
  } finally {
    await client.end();
  }
}

function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}

function eventsIn(bodies: readonly string[]): SyncEvent[] {
  return bodies.flatMap((body) => {
    const parsed = parseEvent(body);
    return parsed.success ? [parsed.data] : [];
  });
}

describe.each(["redis", "postgres"] as const)("three regions on %s", (backend) => {
  let topology: Topology;
  let router: RunningRouter;
  const region = (id: string) => topology.region(id);

  beforeAll(async () => {
    topology = await startRegions(`tr${backend[0]}`, REGIONS, backend);
    router = await startTestRouter(topology);
  });
  afterAll(async () => {
    await router?.stop();
    await topology?.stop();
  });

  /** Writes at region-a, then a marker every region may hold: once it is everywhere, so is all before it. */
  async function writeAll(texts: Array<{ y: number; text: string; team?: string }>) {
    const ids: string[] = [];
    for (const { y, text, team } of texts) {
      const response = await call(region("region-a"), "/memory", {
        json: { text, x: 1, y, z: 0, ...(team ? { team } : {}) },
      });
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as { memory: { id: string } }).memory.id);
    }
    const marker = await call(region("region-a"), "/memory", {
      json: { text: `marker-${crypto.randomUUID()}`, x: 1, y: 5, z: 0 },
    });
    const markerId = ((await marker.json()) as { memory: { id: string } }).memory.id;
    for (const id of ["region-b", "region-c"])
      await eventually(async () => ((await textIn(region(id), markerId)) ? true : undefined));
    return ids;
  }

  it("stores each write exactly where its band allows, and nothing readable crosses the transport", async () => {
    console.log(`[three-regions/${backend}] ys ${YS.join(",")} (THREE_REGIONS_SEED=${SEED})`);
    const written = YS.map((y) => ({ y, text: `private words ${y} ${crypto.randomUUID()}` }));
    const ids = await writeAll(written);
    for (const [i, { y, text }] of written.entries()) {
      const id = ids[i] as string;
      expect(await textIn(region("region-a"), id)).toBe(text);
      expect(await textIn(region("region-b"), id), `y=${y} in b`).toBe(inB(y) ? text : null);
      expect(await textIn(region("region-c"), id), `y=${y} in c`).toBe(inC(y) ? text : null);
    }

    const bodies = await transportBodies(backend, topology);
    const events = eventsIn(bodies);
    expect(events.length).toBeGreaterThanOrEqual(written.length);
    const wire = bodies.join("\n");
    for (const { text } of written) expect(wire).not.toContain(text);
    for (const [i, { y }] of written.entries()) {
      const event = events.find((e) => e.entity_id === ids[i]) as SyncEvent;
      expect(event, `event of y=${y}`).toBeDefined();
      expect(event.payload).toBeUndefined();
      if (!inB(y) && !inC(y)) {
        // Outside every peer's band: only the id and y leave region-a.
        expect(event.action).toBe("memory.redacted");
        expect(event.sealed).toBeUndefined();
      } else {
        const readers = ["region-a", ...(inB(y) ? ["region-b"] : []), "region-c"];
        expect(Object.keys(event.sealed?.to ?? {}).sort()).toEqual(readers);
      }
    }
    console.log(
      `[three-regions/${backend}] transit scan: ${events.length} events (${wire.length} bytes), ${written.length} texts written, 0 found in clear; ${events.filter((e) => e.sealed).length} sealed, ${events.filter((e) => e.action === "memory.redacted").length} redactions`,
    );

    // region-b holds every secret it has, and still cannot open a record outside its band.
    const keysOf = (id: string) => {
      const pair = topology.transitKeys[id];
      if (!pair) throw new Error(`no transit key for ${id}`);
      return createTransitKeyring({
        region: id,
        current: pair.keyId,
        keys: { [pair.keyId]: pair.privateKey },
      });
    };
    const outsideB = events.find((e) => e.entity_id === ids[YS.indexOf(14)]) as SyncEvent;
    expect(await openEvent(outsideB, await keysOf("region-b"))).toEqual({
      ok: false,
      reason: "not-addressed",
    });
    const opened = await openEvent(outsideB, await keysOf("region-c"));
    expect(opened.ok && opened.event.payload?.text).toBe(written[YS.indexOf(14)]?.text);
  });

  it("redacts where a record leaves the band and shows it where it enters", async () => {
    const [id] = (await writeAll([{ y: 5, text: "in both bands" }])) as [string];
    expect(await textIn(region("region-b"), id)).toBe("in both bands");
    const moved = await call(region("region-a"), `/memory/${id}`, {
      method: "PUT",
      json: { y: -3, text: "only c may hold this" },
    });
    expect(moved.status).toBe(200);
    await eventually(async () =>
      (await textIn(region("region-b"), id)) === null ? true : undefined,
    );
    await eventually(async () =>
      (await textIn(region("region-c"), id)) === "only c may hold this" ? true : undefined,
    );
  });

  it("keeps two team spaces on one transport apart", async () => {
    const [alpha, bravo] = (await writeAll([
      { y: 5, text: "alpha roadmap", team: "alpha" },
      { y: 5, text: "bravo roadmap", team: "bravo" },
    ])) as [string, string];
    expect(await textIn(region("region-b"), alpha)).toBe("alpha roadmap");
    expect(await textIn(region("region-b"), bravo)).toBeNull();
    expect(await textIn(region("region-c"), bravo)).toBe("bravo roadmap");
    expect(await textIn(region("region-c"), alpha)).toBeNull();
    const metrics = await (await call(region("region-c"), "/metrics")).text();
    expect(metrics).toMatch(
      /^namespace_mismatch_drops_total\{[^}]*origin="region-a"[^}]*\} [1-9]/m,
    );
    // A region does not take a write (422) or answer a read (421, misdirected) for a space it
    // does not serve; the router takes a misdirected read to the next region that serves it.
    const refused = await call(region("region-b"), "/memory", {
      json: { text: "not here", x: 1, y: 5, z: 0, team: "bravo" },
    });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { errors: Array<{ field: string }> }).errors[0]?.field).toBe(
      "team",
    );
    // Every way a read names a team: this API's filter, upstream's team_id and team namespace.
    for (const query of [
      "/memory?team=bravo",
      "/memory/search?team_id=bravo",
      "/memory/search?namespace=team-bravo",
    ])
      expect((await call(region("region-b"), query)).status, query).toBe(421);
    expect((await call(region("region-b"), "/memory/search?team_id=alpha")).status).toBe(200);
    const viaRouter = await router.fetch("/memory?team=bravo&limit=200", {
      headers: { "x-api-key": API_KEY },
      cf: PARIS,
    });
    expect(viaRouter.status).toBe(200);
    // Nearest to Paris is region-b (alpha only); the next nearest serving bravo answers.
    expect(viaRouter.headers.get("x-memoria-region")).toBe("region-a");
    expect(viaRouter.headers.get("x-memoria-failover")).toBeNull();
    const listed = (await viaRouter.json()) as { items: Array<{ id: string }> };
    expect(listed.items.map((m) => m.id)).toContain(bravo);

    // A key bound to team bravo is misdirected at region-b whatever it asks for.
    const made = await call(region("region-a"), "/admin/keys", {
      json: { scopes: ["read"], teams: ["bravo"], name: "bravo reader" },
    });
    expect(made.status).toBe(201);
    const { secret } = (await made.json()) as { secret: string };
    const bravoKey = { "x-api-key": secret };
    // Keys travel as events: once region-b knows it, it says the key is not for it.
    await eventually(async () => {
      const response = await fetch(`${region("region-b").url}/memory`, { headers: bravoKey });
      await response.arrayBuffer();
      return response.status === 421 ? true : undefined;
    });
    const asBravo = await router.fetch(`/memory/${bravo}`, { headers: bravoKey, cf: PARIS });
    expect(asBravo.status).toBe(200);
    expect(asBravo.headers.get("x-memoria-region")).not.toBe("region-b");
  });

  it("fails over a → b → c, promotes c, and converges when a and b return", async () => {
    const [record] = (await writeAll([{ y: 6, text: "read me anywhere" }])) as [string];
    const servedBy = async () => {
      const response = await router.fetch(`/memory/${record}`, { cf: NEW_YORK });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      return response.headers.get("x-memoria-region");
    };
    expect(await servedBy()).toBe("region-a");
    await region("region-a").stop();
    expect(await servedBy()).toBe("region-b");
    await region("region-b").stop();
    expect(await servedBy()).toBe("region-c");

    // Promotion names its region: the operator asks region-c itself, as the runbook does.
    const promoted = await call(region("region-c"), "/admin/promote", { method: "POST" });
    expect(promoted.status).toBe(200);
    // Once the router's probes see c's newer writer lease, writes go there (a keyed write
    // may be sent again safely while they do not yet).
    const written = await eventually(async () => {
      await router.scheduled();
      const response = await router.fetch("/memory", {
        method: "POST",
        headers: {
          "x-api-key": API_KEY,
          "content-type": "application/json",
          "idempotency-key": `after-promotion-${backend}`,
        },
        body: JSON.stringify({ text: "written while a and b were down", x: 1, y: 7, z: 0 }),
        cf: NEW_YORK,
      });
      return response.status === 201 ? response : undefined;
    }, 10_000);
    expect(written.headers.get("x-memoria-region")).toBe("region-c");
    const id = ((await written.json()) as { memory: { id: string } }).memory.id;

    await Promise.all([topology.restart("region-a"), topology.restart("region-b")]);
    // Back, each catches up on its next cron tick (driven here as the minute's cron would).
    for (const back of ["region-a", "region-b"])
      await eventually(async () => {
        if ((await textIn(region(back), id)) === "written while a and b were down") return true;
        await region(back).scheduled("* * * * *", new Date());
        return undefined;
      });
    const health = (await (await call(region("region-a"), "/health/sync")).json()) as {
      role: string;
      writer: { holder: string } | null;
    };
    expect(health.role).toBe("reader");
    expect(health.writer?.holder).toBe("region-c");
    await eventually(async () => {
      await router.scheduled();
      return (await servedBy()) === "region-a" ? true : undefined;
    });

    // Converged: each region holds exactly what region-a (every band, every team) holds
    // that its own band and team spaces admit.
    const held = async (id: string) => {
      const response = await call(region(id), "/memory?limit=200");
      const body = (await response.json()) as {
        items: Array<{ id: string; text: string; y: number; team: string | null }>;
      };
      return body.items
        .map(({ id, text, y, team }) => ({ id, text, y, team }))
        .sort((p, q) => (p.id < q.id ? -1 : 1));
    };
    const everything = await held("region-a");
    const admitted = (band: (y: number) => boolean, team: string) =>
      everything.filter((m) => band(m.y) && (m.team === null || m.team === team));
    expect(await held("region-b")).toEqual(admitted(inB, "alpha"));
    expect(await held("region-c")).toEqual(admitted(inC, "bravo"));
  });
});
