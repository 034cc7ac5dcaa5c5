import { DurableObject } from "cloudflare:workers";
import type { MetricSample, RegionConfig } from "@memoria/sync-core";
import { afterFailure, claimTrial } from "./breaker.js";
import { type RouterConfig, routerConfig } from "./config.js";
import { addSamples } from "./metrics.js";
import { probeRegion } from "./probe.js";
import {
  afterProbe,
  afterRequestSuccess,
  initialState,
  type RegionState,
  viewOf,
  writerOf,
} from "./region-state.js";
import type { FailoverRecord, RouterSnapshot } from "./snapshot.js";

const MAX_FAILOVERS = 50;

/**
 * The router's shared view of region health: one instance (`idFromName("global")`) for
 * every router isolate, so a failure one isolate saw opens the circuit for all. It probes
 * each region's `/health/sync` from its alarm, takes passive reports (a region that did
 * not answer, or a 5xx another region did better than: verdict.ts; it opens the circuit
 * for the cool-down), hands out exactly one trial request
 * per half-open circuit (breaker.ts), and keeps the last failovers for `/status` and the
 * router's metric totals for `/metrics` (metrics.ts says why here).
 * Called by RPC on its stub; its state is loaded once, in the constructor.
 */
export class RegionHealth extends DurableObject<Record<string, unknown>> {
  private states = new Map<string, RegionState>();
  private failovers: FailoverRecord[] = [];
  /** Counter totals by series (metrics.ts `seriesKey`): only ever added to. */
  private counters = new Map<string, MetricSample>();
  /** Calls isolates (and the cron) made since this object started, by method: how hard the router leans on it. */
  private readonly calls = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      const [states, failovers, counters] = await Promise.all([
        ctx.storage.get<Array<[string, RegionState]>>("states"),
        ctx.storage.get<FailoverRecord[]>("failovers"),
        ctx.storage.get<Array<[string, MetricSample]>>("metrics"),
      ]);
      this.states = new Map(states ?? []);
      this.failovers = failovers ?? [];
      this.counters = new Map(counters ?? []);
    });
  }

  async snapshot(): Promise<RouterSnapshot> {
    this.count("snapshot");
    return this.view();
  }

  private async view(): Promise<RouterSnapshot> {
    await this.ensureAlarm();
    const { config, regions } = this.config();
    const now = Date.now();
    const cooldown = config.router.breaker_cooldown_ms;
    return {
      generatedAt: new Date(now).toISOString(),
      mode: config.router.mode,
      writer: writerOf(regions.map((region) => ({ id: region.id, state: this.state(region) }))),
      regions: regions.map((region) => viewOf(region, this.state(region), now, cooldown)),
      failovers: this.failovers,
    };
  }

  /** A request to `region` failed (verdict.ts says when): open its circuit. */
  async reportFailure(regionId: string, reason: string): Promise<void> {
    this.count("reportFailure");
    await this.update(regionId, (s) => ({
      ...s,
      ...afterFailure(s, Date.now()),
      healthy: false,
      lastError: reason,
    }));
  }

  /** A request to `region` was answered below 500 (`afterRequestSuccess` says what changes). */
  async reportSuccess(regionId: string): Promise<void> {
    this.count("reportSuccess");
    await this.update(regionId, afterRequestSuccess);
  }

  /** Whether the caller may send the one trial request to a half-open region (first asker wins). */
  async claimTrial(regionId: string): Promise<boolean> {
    this.count("claimTrial");
    const cooldown = this.config().config.router.breaker_cooldown_ms;
    let granted = false;
    await this.update(regionId, (s) => {
      const claim = claimTrial(s, Date.now(), cooldown);
      granted = claim.granted;
      return claim.breaker === s ? s : { ...s, ...claim.breaker };
    });
    return granted;
  }

  async recordFailover(record: FailoverRecord): Promise<void> {
    this.count("recordFailover");
    this.failovers = [record, ...this.failovers].slice(0, MAX_FAILOVERS);
    await this.save();
  }

  /** Adds an isolate's counts to the totals (metrics.ts `flushMetrics`). */
  async addMetrics(samples: MetricSample[]): Promise<void> {
    this.count("addMetrics");
    addSamples(this.counters, samples);
    await this.ctx.storage.put("metrics", [...this.counters]);
  }

  /** What `/metrics` shows: the counter totals, and the snapshot its gauges are read from. */
  async metrics(): Promise<{ counters: MetricSample[]; snapshot: RouterSnapshot }> {
    this.count("metrics");
    return { counters: [...this.counters.values()], snapshot: await this.view() };
  }

  /** Calls made to this object since it started, by method (not counting this one). */
  async callCounts(): Promise<Record<string, number>> {
    return Object.fromEntries(this.calls);
  }

  /** Probes every region now (the cron; the alarm probes too). */
  async probe(): Promise<void> {
    this.count("probe");
    await this.probeAll();
  }

  private async probeAll(): Promise<void> {
    const { regions, log } = this.config();
    const outcomes = await Promise.all(regions.map((region) => probeRegion(region, this.env)));
    const now = Date.now();
    regions.forEach((region, i) => {
      const before = this.state(region);
      const after = afterProbe(before, region.id, outcomes[i] as (typeof outcomes)[number], now);
      if (before.healthy !== after.healthy)
        log.info("router.region_health", {
          region: region.id,
          healthy: after.healthy,
          error: after.lastError,
        });
      this.countOpening(region.id, before, after);
      this.states.set(region.id, after);
    });
    await this.save();
  }

  override async alarm(): Promise<void> {
    try {
      await this.probeAll();
    } finally {
      const { config } = this.config();
      await this.ctx.storage.setAlarm(Date.now() + config.router.probe_interval_ms);
    }
  }

  private config(): RouterConfig {
    return routerConfig(this.env);
  }

  private count(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
  }

  private state(region: RegionConfig): RegionState {
    return this.states.get(region.id) ?? initialState(region);
  }

  /** Applies `change` to a configured region's state and stores it when it changed. */
  private async update(regionId: string, change: (s: RegionState) => RegionState): Promise<void> {
    const region = this.config().regions.find((r) => r.id === regionId);
    if (!region) return;
    const before = this.state(region);
    const after = change(before);
    if (after === before && this.states.has(regionId)) return;
    this.countOpening(regionId, before, after);
    this.states.set(regionId, after);
    await this.save();
  }

  /** A circuit that was closed and is open now (a re-opened half-open one is the same outage). */
  private countOpening(regionId: string, before: RegionState, after: RegionState): void {
    if (before.circuit === "closed" && after.circuit === "open")
      addSamples(this.counters, [
        { name: "router_circuit_opened_total", labels: { region: regionId }, value: 1 },
      ]);
  }

  private async save(): Promise<void> {
    await this.ctx.storage.put({
      states: [...this.states],
      failovers: this.failovers,
      metrics: [...this.counters],
    });
  }

  private async ensureAlarm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + 100);
  }
}
