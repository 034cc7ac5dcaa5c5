import { DurableObject } from "cloudflare:workers";
import { compareHlc, type RegionConfig } from "@memoria/sync-core";
import { linkTo, routerConfig } from "./config.js";
import { upstreamUrl } from "./forward.js";
import type { Circuit, FailoverRecord, RegionView, RouterSnapshot } from "./snapshot.js";

interface RegionState {
  healthy: boolean;
  circuit: Circuit;
  openedAt: number | null;
  /** A half-open circuit lets one request through; this is when it was handed out. */
  trialAt: number | null;
  lastProbeAt: number | null;
  lastError: string | null;
  role: "writer" | "reader";
  writerToken: number | null;
  lagEvents: number | null;
  lagSeconds: number | null;
  leader: { holder: string; token: number } | null;
  applied: Record<string, string>;
}

const MAX_FAILOVERS = 50;
const PROBE_TIMEOUT_MS = 2_000;

/**
 * The router's shared view of region health: one instance (`idFromName("global")`) for
 * every router isolate, so a failure one isolate saw opens the circuit for all. It probes
 * each region's `/health/sync` from its alarm, takes passive reports (a connection error,
 * timeout or 5xx opens a circuit for the cool-down), hands out exactly one trial request
 * per half-open circuit, and keeps the last failovers for `/status`.
 */
export class RegionHealth extends DurableObject<Record<string, unknown>> {
  private states = new Map<string, RegionState>();
  private failovers: FailoverRecord[] = [];
  private loaded = false;

  private async load(): Promise<void> {
    if (this.loaded) return;
    const [states, failovers] = await Promise.all([
      this.ctx.storage.get<Array<[string, RegionState]>>("states"),
      this.ctx.storage.get<FailoverRecord[]>("failovers"),
    ]);
    this.states = new Map(states ?? []);
    this.failovers = failovers ?? [];
    this.loaded = true;
  }

  private async save(): Promise<void> {
    await this.ctx.storage.put({ states: [...this.states], failovers: this.failovers });
  }

  private regions(): RegionConfig[] {
    return routerConfig(this.env).regions;
  }

  private state(region: RegionConfig): RegionState {
    let state = this.states.get(region.id);
    if (!state) {
      state = {
        healthy: true,
        circuit: "closed",
        openedAt: null,
        trialAt: null,
        lastProbeAt: null,
        lastError: null,
        role: region.role,
        writerToken: null,
        lagEvents: null,
        lagSeconds: null,
        leader: null,
        applied: {},
      };
      this.states.set(region.id, state);
    }
    return state;
  }

  async snapshot(): Promise<RouterSnapshot> {
    await this.load();
    await this.ensureAlarm();
    const { config, regions } = routerConfig(this.env);
    const cooldown = config.router.breaker_cooldown_ms;
    const now = Date.now();
    const views: RegionView[] = regions.map((region) => {
      const s = this.state(region);
      const circuit: Circuit =
        s.circuit === "open" && s.openedAt !== null && now - s.openedAt >= cooldown
          ? "half-open"
          : s.circuit;
      return {
        id: region.id,
        url: region.url ?? `service:${region.service}`,
        lat: region.lat,
        lon: region.lon,
        ...(region.continent ? { continent: region.continent } : {}),
        role: s.role,
        enabled: region.enabled,
        healthy: s.healthy && circuit !== "open",
        circuit,
        openedAt: s.openedAt === null ? null : new Date(s.openedAt).toISOString(),
        lastProbeAt: s.lastProbeAt === null ? null : new Date(s.lastProbeAt).toISOString(),
        lastError: s.lastError,
        lagEvents: s.lagEvents,
        lagSeconds: s.lagSeconds,
        leader: s.leader,
        applied: s.applied,
      };
    });
    // The writer is the region holding the newest writer lease (the one promoted last).
    const writers = regions
      .map((r) => ({ id: r.id, s: this.state(r) }))
      .filter((r) => r.s.role === "writer");
    writers.sort((a, b) => (b.s.writerToken ?? -1) - (a.s.writerToken ?? -1));
    return {
      generatedAt: new Date(now).toISOString(),
      mode: config.router.mode,
      writer: writers[0]?.id ?? null,
      regions: views,
      failovers: this.failovers,
    };
  }

  /** A request to `region` failed (connection error, timeout, 5xx): open its circuit. */
  async reportFailure(regionId: string, reason: string): Promise<void> {
    await this.load();
    const region = this.regions().find((r) => r.id === regionId);
    if (!region) return;
    const s = this.state(region);
    s.circuit = "open";
    s.openedAt = Date.now();
    s.trialAt = null;
    s.healthy = false;
    s.lastError = reason;
    await this.save();
  }

  /** A request to `region` succeeded: a half-open circuit closes. */
  async reportSuccess(regionId: string): Promise<void> {
    await this.load();
    const region = this.regions().find((r) => r.id === regionId);
    if (!region) return;
    const s = this.state(region);
    if (s.circuit === "closed" && s.healthy) return;
    s.circuit = "closed";
    s.openedAt = null;
    s.trialAt = null;
    s.healthy = true;
    s.lastError = null;
    await this.save();
  }

  /** Whether the caller may send the one trial request to a half-open region (first asker wins). */
  async claimTrial(regionId: string): Promise<boolean> {
    await this.load();
    const { config, regions } = routerConfig(this.env);
    const region = regions.find((r) => r.id === regionId);
    if (!region) return false;
    const s = this.state(region);
    const now = Date.now();
    if (
      s.circuit !== "open" ||
      s.openedAt === null ||
      now - s.openedAt < config.router.breaker_cooldown_ms
    )
      return s.circuit === "closed";
    // A trial that never reported back (the isolate died) is given out again after a cool-down.
    if (s.trialAt !== null && now - s.trialAt < config.router.breaker_cooldown_ms) return false;
    s.trialAt = now;
    await this.save();
    return true;
  }

  async recordFailover(record: FailoverRecord): Promise<void> {
    await this.load();
    this.failovers = [record, ...this.failovers].slice(0, MAX_FAILOVERS);
    await this.save();
  }

  /** Probes every region now (also run from the alarm and the cron). */
  async probe(): Promise<void> {
    await this.load();
    const regions = this.regions();
    await Promise.all(regions.map((region) => this.probeOne(region)));
    await this.save();
  }

  private async probeOne(region: RegionConfig): Promise<void> {
    const s = this.state(region);
    s.lastProbeAt = Date.now();
    try {
      const link = linkTo(region, this.env);
      const response = await link.fetch(
        new Request(upstreamUrl(link.base, "/health/sync"), {
          signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
          headers: { "x-memoria-probe": "router" },
        }),
      );
      const body = (await response.json().catch(() => null)) as ProbeBody | null;
      if (!response.ok || !body) throw new Error(`/health/sync answered ${response.status}`);
      s.role = body.role === "writer" ? "writer" : "reader";
      s.writerToken = body.writer?.holder === region.id ? body.writer.token : null;
      s.lagEvents = body.lag?.events ?? null;
      s.lagSeconds = body.lag?.seconds ?? null;
      s.leader = body.leader ? { holder: body.leader.holder, token: body.leader.token } : null;
      s.applied = mergeWatermarks(s.applied, body.applied ?? {});
      if (body.ready) {
        // The region is back: close its circuit without waiting for a trial request.
        s.healthy = true;
        s.circuit = "closed";
        s.openedAt = null;
        s.trialAt = null;
        s.lastError = null;
      } else {
        s.healthy = false;
        s.lastError = "not ready (see its /healthz)";
      }
    } catch (error) {
      s.healthy = false;
      s.lastError = `probe failed: ${(error as Error).message}`;
      if (s.circuit === "closed") {
        s.circuit = "open";
        s.openedAt = Date.now();
      }
    }
  }

  private async ensureAlarm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + 100);
  }

  override async alarm(): Promise<void> {
    try {
      await this.probe();
    } finally {
      const { config } = routerConfig(this.env);
      await this.ctx.storage.setAlarm(Date.now() + config.router.probe_interval_ms);
    }
  }
}

interface ProbeBody {
  role?: string;
  ready?: boolean;
  lag?: { events?: number; seconds?: number };
  leader?: { holder: string; token: number } | null;
  writer?: { holder: string; token: number } | null;
  applied?: Record<string, string>;
}

/** Watermarks only move forward (a stale probe answer must not hide an applied token). */
function mergeWatermarks(
  known: Record<string, string>,
  seen: Record<string, string>,
): Record<string, string> {
  const out = { ...known };
  for (const [origin, hlc] of Object.entries(seen)) {
    try {
      if (out[origin] === undefined || compareHlc(hlc, out[origin] as string) > 0)
        out[origin] = hlc;
    } catch {
      // Not an HLC: ignore what a broken region reports.
    }
  }
  return out;
}
