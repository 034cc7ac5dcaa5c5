import { Miniflare } from "miniflare";
import { GATEWAY_BUNDLE } from "./bundle.js";

/** Dev/test only: one region's gateway in workerd (Miniflare) on a loopback port. */
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
  mf: Miniflare;
  /** Runs the worker's `scheduled()` as a cron trigger would. */
  scheduled(cron?: string, scheduledTime?: Date): Promise<void>;
  stop(): Promise<void>;
}

export async function startRegion(options: RegionOptions): Promise<RunningRegion> {
  const mf = new Miniflare({
    name: `gateway-${options.id}`,
    modules: true,
    scriptPath: options.bundle ?? GATEWAY_BUNDLE,
    modulesRoot: undefined,
    compatibilityDate: "2026-04-26",
    bindings: options.vars,
    durableObjects: { SYNC_PULLER: { className: "SyncPuller", useSQLite: true } },
    ...(options.persistDir ? { durableObjectsPersist: options.persistDir } : {}),
    host: "127.0.0.1",
    port: options.port,
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return {
    id: options.id,
    url,
    mf,
    async scheduled(cron = "* * * * *", scheduledTime = new Date()) {
      const worker = await mf.getWorker();
      await worker.scheduled({ cron, scheduledTime });
    },
    async stop() {
      await mf.dispose();
    },
  };
}
