import { DurableObject } from "cloudflare:workers";
import { createLogger } from "@memoria/sync-core";
import type { Pool } from "@neondatabase/serverless";
import { type Bindings, envSchema } from "../env.js";
import { buildServices, type Services } from "../services.js";
import { storePool } from "../store-pool/neon.js";
import {
  type CycleReport,
  type CycleStage,
  consumeStep,
  emptyReport,
  recordCycle,
  relayStep,
} from "./cycle.js";
import { SingleFlight } from "./single-flight.js";

/** Poll fast while events flow, back off to this when idle. */
export const POLL_MIN_MS = 100;
export const POLL_MAX_MS = 5_000;
/** A relay trusts settings checked this recently. */
const RELAY_SETTINGS_CHECK_MS = 1_000;
/** Runs' reports and stage times are kept this often (a failed run's at once). */
const RECORD_EVERY_MS = 1_000;
/** The puller's own store connections: a relay and a consume at a time. */
const PULLER_POOL_MAX = 2;

/** What a kick asks for: publish this region's outbox, or apply peers' events. */
export type SyncWork = "relay" | "consume";

/**
 * One per region (`idFromName(region)`): the region's live sync loop. Relay and consume
 * run apart, each one at a time (`SingleFlight`): a local write's kick relays at once
 * without waiting on a consume, and a peer's wake-up hint consumes at once. Between kicks
 * the alarm polls both, every 100 ms while events flow, doubling to 5 s while idle, and
 * the cron re-arms it if it ever stops. A Durable Object keeps its I/O between calls, so
 * the puller keeps its services — store connections, transport client, config — across
 * runs, and rebuilds them when the stored settings change or a run fails.
 */
export class SyncPuller extends DurableObject<Bindings> {
  /** The current poll interval: persisted so a restarted object keeps its pace. */
  private delay = POLL_MIN_MS;
  /** A write kicked since the last relay began: its events are in the outbox. */
  #writesWaiting = false;
  /** When the kept services were last checked against the stored settings. */
  #checkedAt = 0;
  /** When a run's report was last kept (`recordCycle`), and what ran since. */
  #recordedAt = 0;
  #unrecorded = { cycles: 0, stages_ms: emptyReport().stages_ms };
  /** The pace last written to storage. */
  #savedDelay: number | undefined;
  #services: Promise<Services> | undefined;
  #pool: Pool | undefined;
  readonly #relay = new SingleFlight(() => this.#step("relay"));
  readonly #consume = new SingleFlight(() => this.#step("consume"));

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.#savedDelay = await ctx.storage.get<number>("delay");
      this.delay = this.#savedDelay ?? POLL_MIN_MS;
    });
  }

  /** Events are waiting (a local write: `relay`; a peer's hint: `consume`): run now, then poll fast. */
  async kick(work: SyncWork): Promise<void> {
    this.delay = POLL_MIN_MS;
    if (work === "relay") {
      this.#writesWaiting = true;
      await this.#relay.run();
    } else {
      await this.#consume.run();
    }
    await this.#schedule(this.delay);
  }

  /** Makes sure the loop is running (from the cron): arms the alarm only if none is set. */
  async ensurePolling(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    await Promise.all([this.#relay.run(), this.#consume.run()]);
    await this.#schedule(this.delay);
  }

  /** One relay or consume run, its report kept; the poll pace follows what it found. */
  async #step(work: SyncWork): Promise<{ more: boolean }> {
    let services: Services;
    try {
      services = await this.#currentServices(work);
    } catch (error) {
      // No services means no configured logger: the default one (INFO) says why.
      createLogger().error("sync.services_unavailable", { error });
      await this.#drop();
      this.delay = POLL_MAX_MS;
      return { more: false };
    }
    try {
      const report = emptyReport();
      if (work === "relay") {
        const expecting = this.#writesWaiting;
        this.#writesWaiting = false;
        await relayStep(services, report, expecting);
      } else {
        await consumeStep(services, report);
      }
      await this.#record(services, report);
      this.#pace(report);
      return { more: report.more };
    } catch (error) {
      services.log.error("sync.cycle_failed", { error, work });
      await this.#drop();
      this.delay = POLL_MAX_MS;
      return { more: false };
    }
  }

  /**
   * Keeps the latest report (`/health/sync`) and the stage times of the runs since (the
   * counters) at most once a second, and at once when a run failed: at one write a run, a
   * record per run would be a statement per event on each side.
   */
  async #record(services: Services, report: CycleReport): Promise<void> {
    const pending = this.#unrecorded;
    pending.cycles++;
    for (const [stage, ms] of Object.entries(report.stages_ms) as Array<[CycleStage, number]>)
      pending.stages_ms[stage] += ms;
    if (report.error === undefined && Date.now() - this.#recordedAt < RECORD_EVERY_MS) return;
    this.#recordedAt = Date.now();
    this.#unrecorded = { cycles: 0, stages_ms: emptyReport().stages_ms };
    await recordCycle(services, report, pending);
  }

  /** Fast while events flow, doubling while idle. */
  #pace(report: CycleReport): void {
    if (report.published + report.pulled > 0 || report.more) this.delay = POLL_MIN_MS;
    else this.delay = Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, this.delay * 2));
  }

  /**
   * The kept services, rebuilt when the stored settings moved on (one statement to know).
   * A consume checks every time: the band it applies with must be the stored one. A relay
   * publishes events whose content the write already decided, so it checks at most once a
   * second and a write's relay starts without waiting on the check.
   */
  async #currentServices(work: SyncWork): Promise<Services> {
    this.#services ??= this.#build(undefined);
    const building = this.#services;
    const kept = await building;
    if (work === "relay" && Date.now() - this.#checkedAt < RELAY_SETTINGS_CHECK_MS) return kept;
    const read = await kept.store.readSettingsIfChanged(kept.settingsVersion);
    this.#checkedAt = Date.now();
    if (read.overrides === undefined) return kept;
    // The first run to see the change rebuilds; a concurrent one waits on the same build.
    if (this.#services === building) this.#services = this.#build(kept);
    return this.#services;
  }

  async #build(previous: Services | undefined): Promise<Services> {
    await previous?.close();
    this.#pool ??= storePool(envSchema.parse(this.env), {
      max: PULLER_POOL_MAX,
      region: this.ctx.id.name ?? "unknown",
      user: "puller",
      onIdleError: (error) => createLogger().warn("db.idle_connection_lost", { error }),
    });
    return buildServices(this.env, { pool: this.#pool });
  }

  /** After a failure: close everything, so the next run starts from fresh connections. */
  async #drop(): Promise<void> {
    const services = await this.#services?.catch(() => undefined);
    const pool = this.#pool;
    this.#services = undefined;
    this.#pool = undefined;
    await Promise.allSettled([services?.close(), pool?.end()]);
  }

  /**
   * The next poll, `delay` from now unless one is due sooner. Written without waiting for
   * durability (`allowUnconfirmed`): a storage write holds the object's outgoing messages
   * until it is durable, and the publish and the wake-up hints are outgoing messages; a
   * lost pace or alarm only means the cron re-arms the loop.
   */
  async #schedule(delay: number): Promise<void> {
    const quiet = { allowUnconfirmed: true };
    if (delay !== this.#savedDelay) {
      this.#savedDelay = delay;
      await this.ctx.storage.put("delay", delay, quiet);
    }
    const due = Date.now() + delay;
    const current = await this.ctx.storage.getAlarm();
    // A time already past is the alarm now running: it does not count as the next one.
    const pending = current !== null && current > Date.now() ? current : null;
    if (pending === null || pending > due) await this.ctx.storage.setAlarm(due, quiet);
  }
}
