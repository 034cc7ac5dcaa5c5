/**
 * What the router knows about the regions at one moment: the shape the `/status` page
 * renders and the health Durable Object stores.
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

export interface FailoverRecord {
  at: string;
  from: string;
  to: string;
  method: string;
  path: string;
  reason: string;
}

export interface RouterSnapshot {
  generatedAt: string;
  mode: "active-passive" | "active-active";
  /** Region id of the current writer, if known. */
  writer: string | null;
  regions: RegionView[];
  /** Newest first. */
  failovers: FailoverRecord[];
}
