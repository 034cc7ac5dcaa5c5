import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env.js";
import { buildServices } from "../services.js";
import { type CycleReport, runSyncCycle } from "./cycle.js";
import { sendWakeHints } from "./wake.js";

/** Poll fast while events flow, back off to this when idle. */
export const POLL_MIN_MS = 100;
export const POLL_MAX_MS = 5_000;

/**
 * One per region (`idFromName(region)`): the region's live sync loop. REST Redis has no
 * blocking reads and LISTEN lives only as long as a request, so the puller polls from its
 * alarm, adaptively: right away after a kick (a local write or a peer's wake-up hint),
 * every 100 ms while events flow, doubling to 5 s while idle. The cron sweep re-arms it
 * if it ever stops.
 */
export class SyncPuller extends DurableObject<Bindings> {
  override async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/kick") {
      await this.ctx.storage.put("delay", POLL_MIN_MS);
      await this.ctx.storage.setAlarm(Date.now());
      return new Response(null, { status: 202 });
    }
    if (path === "/ensure") {
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
      return new Response(null, { status: 202 });
    }
    if (path === "/status") {
      const [alarm, last, delay] = await Promise.all([
        this.ctx.storage.getAlarm(),
        this.ctx.storage.get<CycleReport>("last"),
        this.ctx.storage.get<number>("delay"),
      ]);
      return Response.json({
        next_alarm: alarm,
        delay_ms: delay ?? POLL_MAX_MS,
        last: last ?? null,
      });
    }
    return new Response("not found", { status: 404 });
  }

  override async alarm(): Promise<void> {
    let delay = (await this.ctx.storage.get<number>("delay")) ?? POLL_MIN_MS;
    try {
      const services = await buildServices(this.env);
      try {
        const report = await runSyncCycle(services);
        await this.ctx.storage.put("last", report);
        const moved = report.published + report.pulled > 0;
        if (report.published > 0) await sendWakeHints(services).catch(() => undefined);
        delay = report.more
          ? 0
          : moved
            ? POLL_MIN_MS
            : Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, delay * 2));
      } finally {
        await services.close();
      }
    } catch (error) {
      console.error("[gateway] sync cycle failed:", error);
      delay = POLL_MAX_MS;
    }
    await this.ctx.storage.put("delay", delay);
    await this.ctx.storage.setAlarm(Date.now() + delay);
  }
}
