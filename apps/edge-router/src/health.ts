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
  type ProbeOutcome,
  type RegionState,
  viewOf,
  writerOf,
  writerSeen,
} from "./region-state.js";
import type { RoutingSnapshot, StatusSnapshot } from "./snapshot.js";
import { addSample, type CounterSample } from "./sync-rate.js";
import {
  EMPTY_TIMELINE,
  type FailoverEntry,
  healthEvents,
  record,
  type Timeline,
  type TimelineEntry,
  type WriterSeen,
  writerEvents,
} from "./timeline.js";

/**
 * The router's shared view of region health: one instance (`idFromName("global")`) for
 * every router isolate, so a failure one isolate saw opens the circuit for all. It probes
 * each region's `/health/sync` from its alarm, takes passive reports (a region that did
 * not answer, or a 5xx another region did better than: verdict.ts; it opens the circuit
 * for the cool-down), hands out exactly one trial request
 * per half-open circuit (breaker.ts), and keeps for `/status` the timeline (timeline.ts:
 * failovers, writer changes, promotions, health changes) and each region's event-counter
 * samples (sync-rate.ts), and the router's metric totals for `/metrics` (metrics.ts says
 * why here). Called by RPC on its stub; its state is loaded once, in the constructor.
 */
export class RegionHealth extends DurableObject<Record<string, unknown>> {
  private states = new Map<string, RegionState>();
  private timeline: Timeline = EMPTY_TIMELINE;
  /** Each region's event-counter samples, oldest first (sync-rate.ts bounds them). */
  private samples = new Map<string, CounterSample[]>();
  /** When the probe round last applied was sent. */
  private lastRoundSentAt = 0;
  /** The last writer the probes named (timeline.ts `writerEvents`); null before one did. */
  private knownWriter: WriterSeen | null = null;
  /** Counter totals by series (metrics.ts `seriesKey`): only ever added to. */
  private counters = new Map<string, MetricSample>();
  /** Calls isolates (and the cron) made since this object started, by method: how hard the router leans on it. */
  private readonly calls = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.get([
        "states",
        "timeline",
        "failovers",
        "rates",
        "writer",
        "metrics",
      ]);
      const states = (stored.get("states") ?? []) as Array<[string, RegionState]>;
      // States stored before facts existed have none until the next probe.
      this.states = new Map(
        states.map(([id, state]) => [id, { ...state, facts: state.facts ?? null }]),
      );
      this.timeline =
        (stored.get("timeline") as Timeline | undefined) ??
        legacyTimeline(stored.get("failovers") as Array<Omit<FailoverEntry, "kind">> | undefined);
      this.samples = new Map((stored.get("rates") ?? []) as Array<[string, CounterSample[]]>);
      this.knownWriter = (stored.get("writer") as WriterSeen | undefined) ?? null;
      this.counters = new Map((stored.get("metrics") ?? []) as Array<[string, MetricSample]>);
    });
  }

  /** What isolates route by (shared-health.ts keeps a copy per isolate). */
  async snapshot(): Promise<RoutingSnapshot> {
    this.count("snapshot");
    return this.view();
  }

  /** What `/status` and `/router/health` show: the routing snapshot, each region's facts and samples, the timeline. */
  async status(): Promise<StatusSnapshot> {
    this.count("status");
    const routing = await this.view();
    const details: StatusSnapshot["details"] = {};
    for (const region of this.config().regions)
      details[region.id] = {
        facts: this.state(region).facts,
        samples: this.samples.get(region.id) ?? [],
      };
    return {
      ...routing,
      details,
      timeline: this.timeline.entries,
      timelineDropped: this.timeline.dropped,
    };
  }

  private async view(): Promise<RoutingSnapshot> {
    await this.ensureAlarm();
    const { config, regions } = this.config();
    const now = Date.now();
    const cooldown = config.router.breaker_cooldown_ms;
    return {
      generatedAt: new Date(now).toISOString(),
      mode: config.router.mode,
      writer: writerOf(regions.map((region) => ({ id: region.id, state: this.state(region) }))),
      regions: regions.map((region) => viewOf(region, this.state(region), now, cooldown)),
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

  async recordFailover(entry: FailoverEntry): Promise<void> {
    this.count("recordFailover");
    this.timeline = record(this.timeline, [entry]);
    await this.save();
  }

  /**
   * A `POST /admin/promote` the router proxied succeeded (`token`: the writer lease's new
   * token, if the answer said). Probes at once, so writes follow the new writer now rather
   * than at the next probe.
   */
  async recordPromotion(region: string, token: number | null): Promise<void> {
    this.count("recordPromotion");
    const at = new Date().toISOString();
    this.timeline = record(this.timeline, [
      { kind: "promotion", at, region, token, via: "router" },
    ]);
    await this.probeAll();
  }

  /** Adds an isolate's counts to the totals (metrics.ts `flushMetrics`). */
  async addMetrics(samples: MetricSample[]): Promise<void> {
    this.count("addMetrics");
    addSamples(this.counters, samples);
    await this.ctx.storage.put("metrics", [...this.counters]);
  }

  /** What `/metrics` shows: the counter totals, and the snapshot its gauges are read from. */
  async metrics(): Promise<{ counters: MetricSample[]; snapshot: RoutingSnapshot }> {
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
    const { regions } = this.config();
    const sentAt = Date.now();
    const outcomes = await Promise.all(regions.map((region) => probeRegion(region, this.env)));
    // Rounds overlap (the alarm, the cron, a promotion): one sent before the last applied
    // is stale, and its lower counters would read as a reset.
    if (sentAt < this.lastRoundSentAt) return;
    this.lastRoundSentAt = sentAt;
    const now = Date.now();
    const at = new Date(now).toISOString();
    const events: TimelineEntry[] = [];
    regions.forEach((region, i) => {
      const outcome = outcomes[i] as ProbeOutcome;
      const before = this.state(region);
      const after = afterProbe(before, region.id, outcome, now);
      events.push(...this.changed(region.id, before, after, at));
      this.states.set(region.id, after);
      if (outcome.ok && outcome.health.events !== null)
        this.samples.set(
          region.id,
          addSample(this.samples.get(region.id) ?? [], { at: sentAt, ...outcome.health.events }),
        );
    });
    // A round no region answered says nothing about the writer (roles are as configured).
    if (outcomes.some((outcome) => outcome.ok)) events.push(...this.writerMoved(at));
    this.timeline = record(this.timeline, events);
    await this.save();
  }

  /** Timeline entries for the writer the probes now name, which becomes the known one. */
  private writerMoved(at: string): TimelineEntry[] {
    const regions = this.config().regions;
    const seen = writerSeen(
      regions.map((region) => ({ id: region.id, state: this.state(region) })),
    );
    const events = writerEvents(this.knownWriter, seen, at);
    if (seen.id !== null) this.knownWriter = seen;
    return events;
  }

  /** What a region's change means for the metrics, the log and the timeline. */
  private changed(
    regionId: string,
    before: RegionState,
    after: RegionState,
    at: string,
  ): TimelineEntry[] {
    this.countOpening(regionId, before, after);
    const events = healthEvents(regionId, before, after, at);
    if (events.length > 0)
      this.config().log.info("router.region_health", {
        region: regionId,
        healthy: after.healthy,
        error: after.lastError,
      });
    return events;
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
    const events = this.changed(regionId, before, after, new Date().toISOString());
    this.states.set(regionId, after);
    if (events.length > 0) this.timeline = record(this.timeline, events);
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
      timeline: this.timeline,
      rates: [...this.samples],
      writer: this.knownWriter,
      metrics: [...this.counters],
    });
  }

  private async ensureAlarm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + 100);
  }
}

/** The failovers an object stored before the timeline existed, as its first entries. */
function legacyTimeline(failovers: Array<Omit<FailoverEntry, "kind">> | undefined): Timeline {
  if (failovers === undefined) return EMPTY_TIMELINE;
  return { entries: failovers.map((f) => ({ kind: "failover", ...f })), dropped: 0 };
}
