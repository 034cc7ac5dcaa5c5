import { dirname } from "node:path";
import { Miniflare } from "miniflare";
import { GATEWAY_BUNDLE } from "./bundle.js";

/** `request.cf` for local requests: a client in New York, as far as anything here asks. */
export const LOCAL_CF = {
  colo: "EWR",
  country: "US",
  continent: "NA",
  city: "New York",
  latitude: "40.71280",
  longitude: "-74.00600",
  timezone: "America/New_York",
};

export interface RegionOptions {
  id: string;
  port: number;
  /** Worker vars: `MEMORIA_…`, `DECREMENT_TZ`, `STORE_DATABASE_URL`, `NEON_WS_PROXY`, … */
  vars: Record<string, string>;
  bundle?: string;
  /** Keep Durable Object state between restarts of this region (for drills). */
  persistDir?: string;
}

export interface RunningRegion {
  id: string;
  url: string;
  port: number;
  /** The vars it runs with (`STORE_SCHEMA`, `MEMORIA_REGIONS`, …). */
  vars: Record<string, string>;
  mf: Miniflare;
  /** Runs the worker's `scheduled()` as a cron trigger would. */
  scheduled(cron?: string, scheduledTime?: Date): Promise<void>;
  stop(): Promise<void>;
}

/** Dev/test only: one region's gateway in workerd (Miniflare) on a loopback port. */
export async function startRegion(options: RegionOptions): Promise<RunningRegion> {
  const mf = new Miniflare({
    name: `gateway-${options.id}`,
    modules: true,
    scriptPath: options.bundle ?? GATEWAY_BUNDLE,
    // Module names are relative to this root; workerd refuses paths that climb out of it.
    modulesRoot: dirname(options.bundle ?? GATEWAY_BUNDLE),
    compatibilityDate: "2026-04-26",
    bindings: options.vars,
    durableObjects: {
      SYNC_PULLER: { className: "SyncPuller", useSQLite: true },
      STORE_POOL: { className: "StorePool", useSQLite: true },
    },
    ...(options.persistDir ? { durableObjectsPersist: options.persistDir } : {}),
    // A fixed request.cf: left unset, Miniflare would download one from Cloudflare.
    cf: LOCAL_CF,
    host: "127.0.0.1",
    port: options.port,
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  let disposed: Promise<void> | undefined;
  return {
    id: options.id,
    url,
    port: Number(new URL(url).port),
    vars: options.vars,
    mf,
    async scheduled(cron = "* * * * *", scheduledTime = new Date()) {
      const worker = await mf.getWorker();
      await worker.scheduled({ cron, scheduledTime });
    },
    stop() {
      // Idempotent: a test may stop a region that its topology's stop() stops again.
      disposed ??= mf.dispose();
      return disposed;
    },
  };
}
