import type { RegionConfig } from "@memoria/sync-core";
import { describe, expect, it } from "vitest";
import type { RegionView, StatusSnapshot } from "../snapshot.js";
import { healthOf, statusDocument, statusDocumentSchema } from "./document.js";

const T0 = Date.parse("2026-05-04T14:32:10.000Z");
const KEY = `t1.B${"x".repeat(86)}`;

function view(id: string, changes: Partial<RegionView> = {}): RegionView {
  return {
    id,
    url: `http://127.0.0.1:1/${id}`,
    lat: 10,
    lon: 20,
    role: "reader",
    writerToken: null,
    enabled: true,
    healthy: true,
    circuit: "closed",
    openedAt: null,
    lastProbeAt: new Date(T0).toISOString(),
    lastError: null,
    lagEvents: 2,
    lagSeconds: 0.5,
    leader: null,
    applied: {},
    ...changes,
  };
}

const TABLE: RegionConfig[] = ["region-a", "region-b", "region-c"].map((id, i) => ({
  id,
  url: `http://127.0.0.1:1/${id}`,
  lat: 10,
  lon: 20,
  role: i === 0 ? "writer" : "reader",
  enabled: true,
  privacy_floor: -5 * i,
  privacy_ceiling: 15,
  team_spaces: i === 2 ? ["alpha"] : ["*"],
  ...(i < 2 ? { transit_key: KEY } : {}),
}));

function snapshot(): StatusSnapshot {
  return {
    generatedAt: new Date(T0).toISOString(),
    mode: "active-passive",
    writer: "region-a",
    regions: [
      view("region-a", { role: "writer", writerToken: 3 }),
      view("region-b"),
      view("region-c", { healthy: false, circuit: "open", lastProbeAt: null }),
    ],
    details: {
      "region-a": {
        facts: {
          namespace: "ns",
          band: { floor: -15, ceiling: 15 },
          teamSpaces: ["alpha", "bravo"],
          teamPrefix: "team",
          transit: { encryption: "sealed", key: KEY },
        },
        samples: [
          { at: T0 - 10_000, published: 100, applied: 0 },
          { at: T0 - 5_000, published: 150, applied: 0 },
          { at: T0, published: 200, applied: 5 },
        ],
      },
      "region-b": {
        facts: {
          namespace: "ns",
          band: { floor: 0, ceiling: 12 },
          teamSpaces: ["*"],
          teamPrefix: "team",
          transit: { encryption: "sealed", key: null },
        },
        samples: [],
      },
      "region-c": { facts: null, samples: [] },
    },
    timeline: [
      {
        kind: "promotion",
        at: new Date(T0).toISOString(),
        region: "region-a",
        token: 3,
        via: "router",
      },
    ],
    timelineDropped: 2,
  };
}

describe("GET /status as JSON", () => {
  const doc = statusDocument(snapshot(), TABLE);

  it("is described by its schema, and survives JSON as is", () => {
    expect(statusDocumentSchema.parse(JSON.parse(JSON.stringify(doc)))).toEqual(doc);
  });

  it("gives each region its health, role, band, spaces, lag, sync rate and transit", () => {
    const [a, b, c] = doc.regions;
    expect(a).toMatchObject({
      id: "region-a",
      health: "healthy",
      role: "writer",
      writer_token: 3,
      self_reported: true,
      namespace: "ns",
      band: { floor: -15, ceiling: 15 },
      team_spaces: ["alpha", "bravo"],
      team_namespace_prefix: "team",
      lag: { events: 2, seconds: 0.5 },
      transit: { content: "sealed", encryption: "sealed", key: KEY, table_key: KEY },
    });
    // 100 published + 5 applied over 10 s; per interval 10/s, then 10 + 1.
    expect(a?.sync_rate).toMatchObject({
      events_per_second: 10.5,
      published_per_second: 10,
      applied_per_second: 0.5,
      window_seconds: 60,
    });
    expect(a?.sync_rate.samples.map((s) => s.events_per_second)).toEqual([10, 11]);
    expect(b?.transit.content).toBe("not-sent");
    expect(b?.sync_rate.events_per_second).toBeNull();
    expect(doc.timeline).toHaveLength(1);
    expect(doc.timeline_dropped).toBe(2);
    // Not probed yet: band and team spaces from the region table, the rest unknown.
    expect(c).toMatchObject({
      health: "circuit-open",
      self_reported: false,
      namespace: null,
      band: { floor: -10, ceiling: 15 },
      team_spaces: ["alpha"],
      transit: { content: "unknown", encryption: null, key: null, table_key: null },
    });
  });
});

describe("a region's health, in one word", () => {
  it("orders what matters to routing: disabled, open, half-open, then healthy or why not", () => {
    expect(healthOf(view("x", { enabled: false, circuit: "open" }))).toBe("disabled");
    expect(healthOf(view("x", { circuit: "open", healthy: false }))).toBe("circuit-open");
    expect(healthOf(view("x", { circuit: "half-open" }))).toBe("half-open");
    expect(healthOf(view("x"))).toBe("healthy");
    expect(healthOf(view("x", { healthy: false }))).toBe("not-ready");
    expect(healthOf(view("x", { healthy: false, lastProbeAt: null }))).toBe("unprobed");
  });
});
