import { DurableObject } from "cloudflare:workers";
import { createLogger } from "@memoria/sync-core";
import type { Pool } from "@neondatabase/serverless";
import { type Bindings, envSchema } from "../env.js";
import { buildServices, type Services } from "../services.js";
import { storePool } from "../store-pool/neon.js";
import { runSyncCycle } from "./cycle.js";

/** Poll fast while events flow, back off to this when idle. */
export const POLL_MIN_MS = 100;
export const POLL_MAX_MS = 5_000;
/** The puller's own store connections: one relay and one consumer at a time need few. */
const PULLER_POOL_MAX = 2;

/**
 * One per region (`idFromName(region)`): the region's live sync loop. A kick (a local
 * write just committed, or a peer's wake-up hint) runs a cycle at once; kicks that come
 * while one runs share the next. Between kicks it polls from its alarm, every 100 ms while
 * events flow, doubling to 5 s while idle, and the cron sweep re-arms it if it ever stops.
 * A Durable Object keeps its I/O between calls, so the puller keeps its services — store
 * connections, transport client, config — across cycles, and rebuilds them when the
 * stored settings change or a cycle fails.
 */
export class SyncPuller extends DurableObject<Bindings> {
  /** The current poll interval: persisted so a restarted object keeps its pace. */
  private delay = POLL_MIN_MS;
  #services: Services | undefined;
  #pool: Pool | undefined;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.delay = (await ctx.storage.get<number>("delay")) ?? POLL_MIN_MS;
    });
  }

  /** Events are waiting (a local write, a peer's hint): run a cycle now, then poll fast. */
  async kick(): Promise<void> {
    this.delay = POLL_MIN_MS;
    await this.#runCycles();
  }

  /** Makes sure the loop is running (from the cron): arms the alarm only if none is set. */
  async ensurePolling(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    await this.#runCycles();
  }

  /** Runs cycles until no kick is pending, one at a time, then arms the next poll. */
  #runCycles(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      let next = POLL_MIN_MS;
      do {
        this.#again = false;
        next = await this.#runCycle();
      } while (this.#again || next === 0);
      await this.#schedule(next);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** One relay + consume cycle; returns how long to wait before the next. */
  async #runCycle(): Promise<number> {
    let services: Services;
    try {
      services = await this.#currentServices();
    } catch (error) {
      // No services means no configured logger: the default one (INFO) says why.
      createLogger().error("sync.services_unavailable", { error });
      await this.#drop();
      return POLL_MAX_MS;
    }
    try {
      const report = await runSyncCycle(services);
      if (report.more) return 0;
      if (report.published + report.pulled > 0) return POLL_MIN_MS;
      return Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, this.delay * 2));
    } catch (error) {
      services.log.error("sync.cycle_failed", { error });
      await this.#drop();
      return POLL_MAX_MS;
    }
  }

  /** The kept services, rebuilt when the stored settings moved on (one statement to know). */
  async #currentServices(): Promise<Services> {
    const kept = this.#services;
    if (kept) {
      const read = await kept.store.readSettingsIfChanged(kept.settingsVersion);
      if (read.overrides === undefined) return kept;
      await kept.close();
    }
    this.#pool ??= storePool(envSchema.parse(this.env), {
      max: PULLER_POOL_MAX,
      region: this.ctx.id.name ?? "unknown",
      user: "puller",
      onIdleError: (error) => createLogger().warn("db.idle_connection_lost", { error }),
    });
    this.#services = await buildServices(this.env, { pool: this.#pool });
    return this.#services;
  }

  /** After a failure: close everything, so the next cycle starts from fresh connections. */
  async #drop(): Promise<void> {
    const services = this.#services;
    const pool = this.#pool;
    this.#services = undefined;
    this.#pool = undefined;
    await Promise.allSettled([services?.close(), pool?.end()]);
  }

  async #schedule(delay: number): Promise<void> {
    if (delay !== this.delay) await this.ctx.storage.put("delay", delay);
    this.delay = delay;
    await this.ctx.storage.setAlarm(Date.now() + delay);
  }
}
