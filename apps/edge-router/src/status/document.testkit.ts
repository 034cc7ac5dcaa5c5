/**
 * Test-only: status documents as the router serves them, for the page's tests and the
 * screenshot of six regions. One place, so a field added to the document is added here once.
 */

import type { TimelineEntry } from "../timeline.js";
import type { StatusDocument, StatusRegion } from "./document.js";

export const GENERATED_AT = "2026-05-04T14:32:10.000Z";
const NOW = Date.parse(GENERATED_AT);

const KEY = (id: string) => `${id}.B${"x".repeat(86)}`;

/** A rising then settling rate over the last `n` probes, 5 s apart. */
export function samples(n: number, peak: number): StatusRegion["sync_rate"]["samples"] {
  return Array.from({ length: n }, (_, i) => {
    const value = Math.round(peak * Math.sin(((i + 1) / n) * Math.PI * 0.9) * 100) / 100;
    return {
      at: new Date(NOW - (n - 1 - i) * 5_000).toISOString(),
      events_per_second: value,
    };
  });
}

export function statusRegion(
  changes: Partial<StatusRegion> & Pick<StatusRegion, "id">,
): StatusRegion {
  return {
    url: `https://${changes.id}.memoria.example`,
    lat: 50.11,
    lon: 8.68,
    continent: "EU",
    enabled: true,
    health: "healthy",
    role: "reader",
    writer_token: null,
    circuit: "closed",
    opened_at: null,
    last_probe_at: "2026-05-04T14:32:07.000Z",
    last_error: null,
    self_reported: true,
    namespace: "prod-shared",
    band: { floor: -15, ceiling: 15 },
    team_spaces: ["*"],
    team_namespace_prefix: "team",
    lag: { events: 0, seconds: 0 },
    sync_rate: {
      events_per_second: 2.4,
      published_per_second: 0,
      applied_per_second: 2.4,
      window_seconds: 60,
      samples: samples(12, 3),
    },
    transit: { content: "sealed", encryption: "sealed", key: KEY("t1"), table_key: KEY("t1") },
    leader: { holder: "eu-central", token: 42 },
    ...changes,
  };
}

export function statusDoc(changes: Partial<StatusDocument> = {}): StatusDocument {
  return {
    generated_at: GENERATED_AT,
    mode: "active-passive",
    writer: "eu-central",
    regions: THREE_REGIONS,
    timeline: TIMELINE,
    timeline_dropped: 0,
    ...changes,
  };
}

const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

/** A writer in Frankfurt, a lagging reader in Virginia, a reader in Singapore cut off. */
export const THREE_REGIONS: StatusRegion[] = [
  statusRegion({
    id: "eu-central",
    role: "writer",
    writer_token: 42,
    sync_rate: {
      events_per_second: 8.5,
      published_per_second: 8.5,
      applied_per_second: 0,
      window_seconds: 60,
      samples: samples(12, 10),
    },
  }),
  statusRegion({
    id: "us-east",
    lat: 39.04,
    lon: -77.49,
    continent: "NA",
    lag: { events: 1284, seconds: 3.4 },
    band: { floor: 0, ceiling: 12 },
    team_spaces: ["alpha", "bravo"],
  }),
  statusRegion({
    id: "ap-southeast",
    lat: 1.35,
    lon: 103.82,
    continent: "AS",
    health: "circuit-open",
    circuit: "open",
    opened_at: "2026-05-04T14:30:52.000Z",
    last_error: "GET /healthz: timed out after 2000 ms",
    lag: { events: null, seconds: null },
    band: { floor: -5, ceiling: 15 },
    leader: null,
    sync_rate: {
      events_per_second: null,
      published_per_second: null,
      applied_per_second: null,
      window_seconds: 60,
      samples: [],
    },
    transit: { content: "not-sent", encryption: "sealed", key: null, table_key: null },
  }),
];

/** The demo's six places (apps/gateway/local/region-specs.ts), bands all different. */
export const SIX_REGIONS: StatusRegion[] = [
  statusRegion({
    id: "region-a",
    role: "writer",
    writer_token: 3,
    lat: 39.04,
    lon: -77.49,
    continent: "NA",
    sync_rate: {
      events_per_second: 14,
      published_per_second: 14,
      applied_per_second: 0,
      window_seconds: 60,
      samples: samples(30, 16),
    },
  }),
  statusRegion({
    id: "region-b",
    lat: 53.35,
    lon: -6.26,
    band: { floor: 0, ceiling: 12 },
    team_spaces: ["alpha", "bravo"],
  }),
  statusRegion({
    id: "region-c",
    lat: 1.35,
    lon: 103.82,
    continent: "AS",
    band: { floor: -5, ceiling: 15 },
  }),
  statusRegion({
    id: "region-d",
    lat: -23.55,
    lon: -46.63,
    continent: "SA",
    band: { floor: -10, ceiling: 10 },
    lag: { events: 312, seconds: 41 },
    transit: { content: "clear", encryption: "clear", key: null, table_key: null },
  }),
  statusRegion({
    id: "region-e",
    lat: -26.2,
    lon: 28.05,
    continent: "AF",
    band: { floor: -3, ceiling: 8 },
    health: "half-open",
    circuit: "half-open",
    opened_at: ago(40),
    last_error: "probe failed: Network connection lost.",
  }),
  statusRegion({
    id: "region-f",
    lat: -33.87,
    lon: 151.21,
    continent: "OC",
    band: { floor: 3, ceiling: 15 },
    team_spaces: ["alpha"],
  }),
];

/** Six regions crowded into western Europe: the hardest case for the labels. */
export const CROWDED_EUROPE: StatusRegion[] = [
  ["eu-west-1", 53.35, -6.26],
  ["eu-west-2", 51.51, -0.13],
  ["eu-west-3", 48.86, 2.35],
  ["eu-central-1", 50.11, 8.68],
  ["eu-central-2", 47.37, 8.54],
  ["eu-north-1", 59.33, 18.07],
].map(([id, lat, lon]) =>
  statusRegion({ id: id as string, lat: lat as number, lon: lon as number }),
);

export const TIMELINE: TimelineEntry[] = [
  { kind: "promotion", at: ago(12), region: "eu-central", token: 42, via: "router" },
  { kind: "writer-change", at: ago(12), from: "us-east", to: "eu-central", token: 42 },
  {
    kind: "failover",
    at: ago(58),
    from: "ap-southeast",
    to: "us-east",
    method: "GET",
    path: "/v1/memories/01J9Z4K2M8",
    reason: "ap-southeast: HTTP 503",
  },
  {
    kind: "health",
    at: ago(78),
    region: "ap-southeast",
    healthy: false,
    error: "probe failed: timed out",
  },
  { kind: "health", at: ago(3_600), region: "us-east", healthy: true, error: null },
];
