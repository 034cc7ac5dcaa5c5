import type { LeaseView } from "@memoria/sync-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningRegion } from "../local/region.js";
import { startTopology, type Topology } from "../local/topology.js";
import { API_KEY, call, SIGNING_KEYS } from "./harness.js";

/**
 * The scheduler lease outlives the cron interval: with both regions ticking, the leader
 * keeps its lease tick after tick (same holder, same fencing token: it never lapsed and
 * was never taken again); when the leader dies, the other region leads by the second tick
 * after the leader's last one, i.e. within one interval of the tick the leader missed.
 * The test is the cron: it fires both regions on a fixed beat of INTERVAL_MS, as
 * Cloudflare fires them every minute, with the lease at 1.5 intervals as by default.
 */

const INTERVAL_MS = 1500;
const LEASE_TTL_MS = 2250;
const STABLE_TICKS = 5;
const TAKEOVER_TICKS = 4;

let topology: Topology;

beforeAll(async () => {
  const services = inject("localServices");
  topology = await startTopology({
    backend: "redis",
    endpoints: {
      upstash: services.upstash,
      neon: services.neon,
      postgresUrl: services.postgresUrl,
    },
    id: `sl${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`,
    apiKey: API_KEY,
    signingKeys: SIGNING_KEYS,
    extraVars: {
      MEMORIA_SCHEDULER__INTERVAL_MS: String(INTERVAL_MS),
      MEMORIA_SCHEDULER__LEASE_TTL_MS: String(LEASE_TTL_MS),
      MEMORIA_LOGGING__LEVEL: "WARNING",
    },
  });
});
afterAll(async () => {
  await topology?.stop();
});

async function leader(region: RunningRegion): Promise<LeaseView | null> {
  const response = await call(region, "/health/sync");
  return ((await response.json()) as { leader: LeaseView | null }).leader;
}

/** A cron's fixed beat: tick k fires at start + k × INTERVAL_MS, whatever the ticks took. */
function beat(): (k: number, tick: () => Promise<void>) => Promise<void> {
  const start = Date.now();
  return async (k, tick) => {
    const wait = start + k * INTERVAL_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await tick();
  };
}

describe("scheduler leadership across cron ticks", () => {
  it("stays with one leader while it lives, and moves within one interval when it dies", async () => {
    const regions = { a: topology.region("region-a"), b: topology.region("region-b") };
    const at = beat();
    const seen: Array<{ holder: string; token: number } | null> = [];
    for (let k = 0; k < STABLE_TICKS; k++) {
      await at(k, async () => {
        await Promise.all([regions.a.scheduled(), regions.b.scheduled()]);
        const lease = await leader(regions.b);
        seen.push(lease && { holder: lease.holder, token: lease.token });
      });
    }
    const first = seen[0];
    expect(first).not.toBeNull();
    expect(seen).toEqual(Array(STABLE_TICKS).fill(first));

    // The leader dies: its worker is gone, so it misses every tick from now on.
    const [dead, survivorId, survivor] =
      first?.holder === "region-a"
        ? [regions.a, "region-b", regions.b]
        : [regions.b, "region-a", regions.a];
    await dead.stop();
    let tookOverAt: number | undefined;
    for (let missed = 0; missed < TAKEOVER_TICKS && tookOverAt === undefined; missed++) {
      await at(STABLE_TICKS + missed, async () => {
        await survivor.scheduled();
        if ((await leader(survivor))?.holder === survivorId) tookOverAt = missed;
      });
    }
    // Tick 0 here is the first the dead leader missed; the lease it renewed one interval
    // before ends within half an interval of it, so tick 1 at the latest finds it free.
    expect(tookOverAt).toBeDefined();
    expect(tookOverAt as number).toBeLessThanOrEqual(1);
    expect((await leader(survivor))?.token).toBeGreaterThan(first?.token as number);
  }, 60_000);
});
