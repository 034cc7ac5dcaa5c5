import { DurableObject } from "cloudflare:workers";
import { createLogger } from "@memoria/sync-core";
import type { Bindings } from "../env.js";
import { buildServices, type Services } from "../services.js";
import { runSyncCycle } from "./cycle.js";
import { sendWakeHints } from "./wake.js";

/** Poll fast while events flow, back off to this when idle. */
export const POLL_MIN_MS = 100;
export const POLL_MAX_MS = 5_000;

/**
 * One per region (`idFromName(region)`): the region's live sync loop. REST Redis has no
 * blocking reads and LISTEN lives only as long as a request, so the puller polls from its
 * alarm, adaptively: right away after a kick (a local write or a peer's wake-up hint),
 * every 100 ms while events flow, doubling to 5 s while idle. The cron sweep re-arms it
 * if it ever stops. Called by RPC on its stub; its state is loaded once, in the constructor.
 */
export class SyncPuller extends DurableObject<Bindings> {
  /** The current poll interval: persisted so a restarted object keeps its pace. */
  private delay = POLL_MIN_MS;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.delay = (await ctx.storage.get<number>("delay")) ?? POLL_MIN_MS;
    });
  }

  /** Events are waiting (a local write, a peer's hint): run a cycle now, then poll fast. */
  async kick(): Promise<void> {
    await this.setDelay(POLL_MIN_MS);
    await this.ctx.storage.setAlarm(Date.now());
  }

  /** Makes sure the loop is running (from the cron): arms the alarm only if none is set. */
  async ensurePolling(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const next = await this.runCycle();
    await this.setDelay(next);
    await this.ctx.storage.setAlarm(Date.now() + next);
  }

  /** One relay + consume cycle; returns how long to wait before the next. */
  private async runCycle(): Promise<number> {
    let services: Services;
    try {
      services = await buildServices(this.env);
    } catch (error) {
      // No services means no configured logger: the default one (INFO) says why.
      createLogger().error("sync.services_unavailable", { error });
      return POLL_MAX_MS;
    }
    try {
      return await this.cycle(services);
    } catch (error) {
      services.log.error("sync.cycle_failed", { error });
      return POLL_MAX_MS;
    } finally {
      await services.close();
    }
  }

  private async cycle(services: Services): Promise<number> {
    const report = await runSyncCycle(services);
    if (report.published > 0) {
      await sendWakeHints(services).catch((error: unknown) =>
        services.log.warn("sync.wake_hints_failed", { error }),
      );
    }
    if (report.more) return 0;
    if (report.published + report.pulled > 0) return POLL_MIN_MS;
    return Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, this.delay * 2));
  }

  private async setDelay(delay: number): Promise<void> {
    this.delay = delay;
    await this.ctx.storage.put("delay", delay);
  }
}
