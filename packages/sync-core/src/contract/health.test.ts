import { describe, expect, it } from "vitest";
import { type SyncHealth, syncHealthSchema } from "./health.js";
import { syncHealthBody } from "./health.testkit.js";

/** A body as a gateway answers it, with a warning and a broken stored key to carry. */
function body(): SyncHealth {
  return syncHealthBody({
    config_warnings: ["unknown key database.url (from memoria.toml)"],
    settings_errors: [{ key: "sync.retired_knob", message: "unknown key" }],
  });
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

  it("reads a gateway deployed before dead_letters existed as holding none", () => {
    const { dead_letters: _dropped, ...older } = body();
    expect(syncHealthSchema.parse(older).dead_letters).toEqual({ count: 0, oldest_at: null });
    const waiting = { count: 2, oldest_at: "2026-01-01T00:00:00.000Z" };
    expect(syncHealthSchema.parse({ ...body(), dead_letters: waiting }).dead_letters).toEqual(
      waiting,
    );
  });

  it("reads a gateway deployed before capabilities existed as declaring none", () => {
    const { capabilities: _dropped, ...older } = body();
    expect(syncHealthSchema.parse(older).capabilities).toBeNull();
  });

  it("reads a gateway deployed before team spaces, transit and event totals as serving every team, the rest unknown", () => {
    const {
      team_spaces: _spaces,
      team_namespace_prefix: _prefix,
      transit: _transit,
      events: _events,
      ...older
    } = body();
    const parsed = syncHealthSchema.parse(older);
    expect(parsed.team_spaces).toEqual(["*"]);
    expect(parsed.team_namespace_prefix).toBe("team");
    expect(parsed.transit).toBeNull();
    expect(parsed.events).toBeNull();
  });

  it("carries team spaces, the transit key and the event totals as a gateway sends them", () => {
    const key = `k2.B${"A".repeat(86)}`;
    const sent = {
      ...body(),
      team_spaces: ["alpha"],
      team_namespace_prefix: "squad",
      transit: { encryption: "sealed" as const, key },
      events: { published: 41, applied: 7 },
    };
    expect(syncHealthSchema.parse(JSON.parse(JSON.stringify(sent)))).toEqual(sent);
  });

  it("refuses a body that breaks the contract, naming the field", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ role: "leader" }, "role"],
      [{ ready: "yes" }, "ready"],
      [{ applied: { "region-a": "yesterday" } }, "applied.region-a"],
      [{ writer: { holder: "region-a" } }, "writer.token"],
      [{ lag: null }, "lag"],
      [{ dead_letters: { count: "2", oldest_at: null } }, "dead_letters.count"],
      [{ team_spaces: "alpha" }, "team_spaces"],
      [{ transit: { encryption: "maybe", key: null } }, "transit.encryption"],
      [{ events: { published: 1 } }, "events.applied"],
    ];
    for (const [change, field] of cases) {
      const result = syncHealthSchema.safeParse({ ...body(), ...change });
      expect(result.success, field).toBe(false);
      expect(result.error?.issues.map((issue) => issue.path.join("."))).toContain(field);
    }
  });
});
