import { regionsWith, startTopology, type Topology } from "@memoria/gateway/local/topology";
import { startNeonEndpoint } from "@memoria/local-services";
import type { SyncBackend } from "@memoria/sync-core";
import { inject } from "vitest";
import "../integration/support.js";
import { API_KEY, BANDS, REGION_ID } from "./deployment.js";
import { Gate } from "./gate.js";
import type { RegionName } from "./plan.js";

/**
 * Two gateways in workerd over real Redis/Postgres, each reaching its transport only
 * through its own `Gate`, and the faults a chaos run injects: restart a region (a new
 * workerd instance on the same port and store), cut and heal its transport, fire the
 * decrement cron twice in both regions for one date, promote a region.
 */

const DAY_MS = 86_400_000;

export interface World {
  backend: SyncBackend;
  id: string;
  namespace: string;
  schema: Record<RegionName, string>;
  url(region: RegionName): string;
  /** Runs the regions' minute cron (both by default; a restarting region is skipped). */
  tick(at?: Date, regions?: readonly RegionName[]): Promise<void>;
  restart(region: RegionName): Promise<void>;
  cut(region: RegionName): Promise<void>;
  heal(region: RegionName): Promise<void>;
  /**
   * The decrement cron for the next day, fired twice in each region at once (both by
   * default); `later` regions' runs are started but not awaited (returned as `rest`).
   */
  duplicateCron(
    regions?: readonly RegionName[],
    later?: readonly RegionName[],
  ): Promise<{ date: string; rest: Promise<void> }>;
  /** The dates duplicate crons fired for, in order: the days after today's baseline. */
  cronDates(): string[];
  /** Both crons once more for the last date, so a leader catches up days skipped while cut off. */
  catchUpCron(): Promise<void>;
  /** The region holding the scheduler lease, as the regions report it (undefined: none known). */
  leader(): Promise<RegionName | undefined>;
  /** `POST /admin/promote` to `region`: its status (0: no answer) and the start of its body. */
  promote(region: RegionName): Promise<{ status: number; detail: string }>;
  stop(): Promise<void>;
}

export async function startWorld(backend: SyncBackend): Promise<World> {
  const services = inject("localServices");
  const pg = new URL(services.postgresUrl);
  const upstash = new URL(services.upstash.url);
  const target =
    backend === "redis"
      ? { host: upstash.hostname, port: Number(upstash.port) }
      : { host: pg.hostname, port: Number(pg.port || 5432) };
  const gates = { a: await Gate.open(target), b: await Gate.open(target) };
  // The Neon proxy connects only to allow-listed targets: Postgres, and (for the journal) the gates.
  const neon = await startNeonEndpoint({
    allow: [
      `${pg.hostname}:${pg.port || 5432}`,
      ...Object.values(gates).map((g) => `127.0.0.1:${g.port}`),
    ],
  });
  const viaGate = (region: RegionName) => {
    const url = new URL(backend === "redis" ? services.upstash.url : services.postgresUrl);
    url.hostname = "127.0.0.1";
    url.port = String(gates[region].port);
    return { MEMORIA_SYNC__CONNECTION_URL: url.toString().replace(/\/$/, "") };
  };
  const id = `ch${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`;
  const topology = await startTopology({
    backend,
    endpoints: {
      upstash: services.upstash,
      neon: { wsProxy: neon.wsProxy, fetchEndpoint: neon.fetchEndpoint },
      postgresUrl: services.postgresUrl,
    },
    id,
    apiKey: API_KEY,
    signingKeys: { k1: "chaos-signing-key-0123456789abcdef-01" },
    regions: regionsWith({
      "region-a": { band: BANDS.a, vars: viaGate("a") },
      "region-b": { band: BANDS.b, vars: viaGate("b") },
    }),
    // Short scheduler leases, so leadership moves when its holder is cut off.
    extraVars: {
      MEMORIA_SCHEDULER__INTERVAL_MS: "2000",
      MEMORIA_SCHEDULER__LEASE_TTL_MS: "3000",
      MEMORIA_SYNC__MAX_LAG_SECONDS: "600",
      // The run's own summary is the output; the workers' INFO lines would bury it.
      MEMORIA_LOGGING__LEVEL: "WARNING",
    },
  });
  const world = worldOver(backend, id, topology, gates, () => neon.close());
  // The first cron records today as every region's decrement baseline.
  await Promise.all(topology.regions.map((region) => region.scheduled()));
  await Promise.all([ready(world, "a"), ready(world, "b")]).catch(async (error) => {
    await world.stop();
    throw error;
  });
  return world;
}

/** Waits (bounded) for a region to report itself ready: store and transport answer. */
async function ready(world: World, region: RegionName): Promise<void> {
  let last = "";
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await fetch(`${world.url(region)}/health/sync`, {
      headers: { "x-api-key": API_KEY },
    });
    last = await response.text();
    if (response.status === 200 && (JSON.parse(last) as { ready?: boolean }).ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`region ${region} never became ready: ${last.slice(0, 500)}`);
}

function worldOver(
  backend: SyncBackend,
  id: string,
  topology: Topology,
  gates: Record<RegionName, Gate>,
  closeNeon: () => Promise<void>,
): World {
  const urls = { a: topology.region(REGION_ID.a).url, b: topology.region(REGION_ID.b).url };
  /** A region being restarted: crons skip it, the next restart waits for it. */
  const restarting = new Map<RegionName, Promise<void>>();
  let day = 0;
  const today = Date.now();
  const each = (regions: readonly RegionName[], cron: (r: RegionName) => Promise<void>) =>
    Promise.allSettled(regions.map((r) => (restarting.has(r) ? undefined : cron(r))));
  const world: World = {
    backend,
    id,
    namespace: topology.namespace,
    schema: { a: `store_a_${id}`, b: `store_b_${id}` },
    url: (region) => urls[region],
    async tick(at, regions = ["a", "b"]) {
      await each(regions, (r) => topology.region(REGION_ID[r]).scheduled("* * * * *", at));
    },
    async restart(region) {
      await restarting.get(region);
      const done = restartRegion(topology, region).finally(() => restarting.delete(region));
      restarting.set(region, done);
      await done;
    },
    cut: (region) => gates[region].cut(),
    heal: (region) => gates[region].heal(),
    async duplicateCron(regions = ["a", "b"], later = []) {
      day++;
      const at = new Date(today + day * DAY_MS);
      const twice = (rs: readonly RegionName[]) =>
        Promise.all([world.tick(at, rs), world.tick(at, rs)]).then(() => undefined);
      const rest = twice(later);
      await twice(regions);
      return { date: at.toISOString().slice(0, 10), rest };
    },
    cronDates: () =>
      Array.from({ length: day }, (_, n) =>
        new Date(today + (n + 1) * DAY_MS).toISOString().slice(0, 10),
      ),
    async catchUpCron() {
      if (day > 0) await world.tick(new Date(today + day * DAY_MS));
    },
    async leader() {
      for (const region of ["a", "b"] as const) {
        const response = await fetch(`${urls[region]}/health/sync`, {
          headers: { "x-api-key": API_KEY },
        }).catch(() => undefined);
        const health = (await response?.json().catch(() => undefined)) as
          | { leader?: { holder: string } | null }
          | undefined;
        const holder = health?.leader?.holder;
        if (holder !== undefined) return holder === REGION_ID.a ? "a" : "b";
      }
      return undefined;
    },
    async promote(region) {
      const response = await fetch(`${urls[region]}/admin/promote`, {
        method: "POST",
        headers: { "x-api-key": API_KEY },
      }).catch(() => undefined);
      const text = (await response?.text().catch(() => "")) ?? "";
      return { status: response?.status ?? 0, detail: text.slice(0, 300) };
    },
    async stop() {
      await Promise.allSettled([...restarting.values()]);
      await topology.stop();
      await Promise.allSettled([gates.a.cut(), gates.b.cut(), closeNeon()]);
    },
  };
  return world;
}

/** Disposes the region's workerd and starts a new one on the same port, store and vars. */
async function restartRegion(topology: Topology, region: RegionName): Promise<void> {
  let lastError: unknown;
  // The port can take a moment to be free again; bounded.
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await topology.restart(REGION_ID[region]);
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw lastError;
}
