import type { SyncHealth } from "@memoria/sync-core";
import type { CounterSample } from "./sync-rate.js";
import type { FailoverEntry, TimelineEntry } from "./timeline.js";

/**
 * What the router knows about the regions at one moment: the snapshot isolates route by,
 * and the fuller one the `/status` page and its JSON are made from.
 */

export type Circuit = "closed" | "open" | "half-open";

export interface RegionView {
  id: string;
  url: string;
  lat: number;
  lon: number;
  continent?: string;
  /** From the region's own `/health/sync` (whoever holds the writer lease is `writer`). */
  role: "writer" | "reader";
  /** The writer-lease token the region holds, when it holds the lease. */
  writerToken: number | null;
  enabled: boolean;
  /** Last probe said ready (`/healthz` 200) and the circuit is not open. */
  healthy: boolean;
  circuit: Circuit;
  /** When the circuit opened (ISO), if it is open or half-open. */
  openedAt: string | null;
  lastProbeAt: string | null;
  lastError: string | null;
  lagEvents: number | null;
  lagSeconds: number | null;
  leader: { holder: string; token: number } | null;
  /** Highest HLC applied here, per origin region (read-your-writes). */
  applied: Record<string, string>;
}

/** What isolates route by: small, as every isolate refreshes its copy often (shared-health.ts). */
export interface RoutingSnapshot {
  generatedAt: string;
  mode: "active-passive" | "active-active";
  /** Region id of the current writer, if known. */
  writer: string | null;
  regions: RegionView[];
}

/** What a region's last answered probe said about itself beyond routing (`/health/sync`). */
export interface RegionFacts {
  namespace: string;
  band: { floor: number; ceiling: number };
  /** `memory.team_spaces`: team names, `*` for every team. */
  teamSpaces: string[];
  teamPrefix: string;
  /** Null from a gateway too old to say. */
  transit: SyncHealth["transit"];
}

/** What `/status` (page and JSON) and `/router/health` show: routing, plus what only people read. */
export interface StatusSnapshot extends RoutingSnapshot {
  /** By region id: its facts (null until a probe was answered) and its event-counter samples. */
  details: Record<string, { facts: RegionFacts | null; samples: CounterSample[] }>;
  /** Newest first. */
  timeline: TimelineEntry[];
  /** Older entries no longer kept, counted. */
  timelineDropped: number;
}

/**
 * What `GET /router/health` answers: the status snapshot, and its failovers as a list of
 * their own (the timeline's failover entries), as that route has always listed them.
 */
export type RouterSnapshot = StatusSnapshot & { failovers: FailoverEntry[] };
