import { describe, expect, it } from "vitest";
import type { ConfigIssue } from "./load.js";
import type { MemoriaConfig } from "./schema.js";
import { loadWithStoredOverrides } from "./stored.js";

const env = { MEMORIA_MEMORY__NAMESPACE: "ns-stored", MEMORIA_SYNC__PRIVACY_FLOOR: "-10" };

/** Stands in for the sync backend's rule: the edge needs the REST URL. */
const restOnly = (config: MemoriaConfig): ConfigIssue[] =>
  config.sync.connection_url?.startsWith("redis://")
    ? [{ key: "sync.connection_url", message: "must be the Upstash REST URL" }]
    : [];

describe("loadWithStoredOverrides", () => {
  it("applies every stored override that works and reports none when all do", () => {
    const loaded = loadWithStoredOverrides({ env }, { "sync.privacy_floor": 0 });
    expect(loaded.config.sync.privacy_floor).toBe(0);
    expect(loaded.settingsErrors).toEqual([]);
  });

  it("leaves out a key an older version stored, keeps the others (a tightened band stays)", () => {
    const loaded = loadWithStoredOverrides(
      { env },
      { "sync.privacy_floor": 0, "sync.retired_knob": true, "logging.level": "loud" },
    );
    expect(loaded.config.sync.privacy_floor).toBe(0);
    expect(loaded.config.logging.level).toBe("INFO");
    expect(loaded.settingsErrors.map((e) => e.key).sort()).toEqual([
      "logging.level",
      "sync.retired_knob",
    ]);
    expect(loaded.settingsErrors.find((e) => e.key === "sync.retired_knob")?.message).toBe(
      "unknown key",
    );
  });

  it("leaves out what the caller's check refuses, never echoing the value (it may be a secret)", () => {
    const loaded = loadWithStoredOverrides(
      { env },
      { "sync.connection_url": "redis://:hunter2@cache:6379", "sync.privacy_floor": 2 },
      restOnly,
    );
    expect(loaded.config.sync.connection_url).toBeUndefined();
    expect(loaded.config.sync.privacy_floor).toBe(2);
    expect(loaded.settingsErrors).toEqual([
      { key: "sync.connection_url", message: "must be the Upstash REST URL" },
    ]);
    expect(JSON.stringify(loaded.settingsErrors)).not.toContain("hunter2");
  });

  it("blames the stored key whose absence makes the check pass when no issue names it", () => {
    const needsUrl = (config: MemoriaConfig): ConfigIssue[] =>
      config.sync.backend === "redis" && config.sync.connection_url === undefined
        ? [{ key: "sync.connection_url", message: "is required for the redis backend" }]
        : [];
    const loaded = loadWithStoredOverrides(
      { env },
      { "sync.backend": "redis", "sync.privacy_floor": 1 },
      needsUrl,
    );
    expect(loaded.config.sync.backend).toBe("none");
    expect(loaded.config.sync.privacy_floor).toBe(1);
    expect(loaded.settingsErrors).toEqual([
      { key: "sync.backend", message: "sync.connection_url: is required for the redis backend" },
    ]);
  });

  it("still throws when toml/env alone cannot load: that is a deploy error, not a stored one", () => {
    expect(() =>
      loadWithStoredOverrides({ env: { MEMORIA_SYNC__PRIVACY_FLOOR: "-40" } }, {}),
    ).toThrow(/privacy_floor/);
  });
});
