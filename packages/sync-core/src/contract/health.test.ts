import { describe, expect, it } from "vitest";
import { formatHlc } from "../hlc.js";
import { type SyncHealth, syncHealthSchema } from "./health.js";

const hlc = formatHlc({ wall: 1_000, counter: 0, node: "region-a" });

/** A body as a gateway answers it. */
function body(): SyncHealth {
  return {
    region: "region-b",
    namespace: "prod-shared",
    backend: "redis",
    enabled: true,
    role: "reader",
    band: { floor: 0, ceiling: 12 },
    realtime_replication: false,
    signing_key_id: "k1",
    store: { reachable: true },
    transport: {
      backend: "redis",
      reachable: true,
      latencyMs: 2,
      lagEvents: 0,
      oldestUnackedAt: null,
      lastEventAt: 1_000,
    },
    capabilities: { delivery: "pull", leases: true, wakeHints: true },
    lag: { events: 0, seconds: 0 },
    outbox: { unpublished: 0 },
    last_event_at: null,
    last_cycle: { published: 0 },
    leader: { holder: "region-a", token: 3, expires_at: "2026-01-01T00:00:00.000Z", is_me: false },
    writer: null,
    scheduler: { enabled: true, decrement_tz: "UTC", last_decrement: null },
    applied: { "region-a": hlc },
    ready: true,
    config_warnings: ["unknown key database.url (from memoria.toml)"],
    settings_errors: [{ key: "sync.retired_knob", message: "unknown key" }],
  };
}

describe("/health/sync body", () => {
  it("parses what a gateway answers, unchanged", () => {
    expect(syncHealthSchema.parse(JSON.parse(JSON.stringify(body())))).toEqual(body());
  });

  it("drops keys it does not know, so either side may gain a field first", () => {
    const parsed = syncHealthSchema.parse({ ...body(), added_later: 1 });
    expect(parsed).not.toHaveProperty("added_later");
  });

  it("keeps a backend's own transport fields (Redis stream length, journal size)", () => {
    const withExtras = { ...body(), transport: { ...body().transport, streamLength: 21 } };
    expect(syncHealthSchema.parse(withExtras).transport).toMatchObject({ streamLength: 21 });
  });

  it("reads a gateway deployed before config_warnings existed as having none", () => {
    const { config_warnings: _dropped, ...older } = body();
    expect(syncHealthSchema.parse(older).config_warnings).toEqual([]);
  });

  it("reads a gateway deployed before settings_errors existed as having none", () => {
    const { settings_errors: _dropped, ...older } = body();
    expect(syncHealthSchema.parse(older).settings_errors).toEqual([]);
  });

  it("reads a gateway deployed before capabilities existed as declaring none", () => {
    const { capabilities: _dropped, ...older } = body();
    expect(syncHealthSchema.parse(older).capabilities).toBeNull();
  });

  it("refuses a body that breaks the contract, naming the field", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ role: "leader" }, "role"],
      [{ ready: "yes" }, "ready"],
      [{ applied: { "region-a": "yesterday" } }, "applied.region-a"],
      [{ writer: { holder: "region-a" } }, "writer.token"],
      [{ lag: null }, "lag"],
    ];
    for (const [change, field] of cases) {
      const result = syncHealthSchema.safeParse({ ...body(), ...change });
      expect(result.success, field).toBe(false);
      expect(result.error?.issues.map((issue) => issue.path.join("."))).toContain(field);
    }
  });
});
