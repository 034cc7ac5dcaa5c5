import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./issues.js";
import { configKeys } from "./keys.js";
import type { ConfigIssue } from "./load.js";
import type { MemoriaConfig } from "./schema.js";
import { loadStoredSettings, loadWithStoredOverrides } from "./stored.js";

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

  it("reads rows an older version wrote in another form; a fixed key in any form is left out and named", () => {
    const loaded = loadWithStoredOverrides(
      { env },
      {
        memory: { namespace: "moved", team_namespace_prefix: "squad" },
        "Sync.Privacy_Ceiling": 9,
        logging: { level: "DEBUG" },
      },
    );
    expect(loaded.config.memory.namespace).toBe("ns-stored");
    expect(loaded.config.memory.team_namespace_prefix).toBe("team");
    expect(loaded.config.sync.privacy_ceiling).toBe(9);
    expect(loaded.config.logging.level).toBe("DEBUG");
    expect(loaded.settingsErrors).toEqual([
      { key: "memory", message: expect.stringMatching(/^memory\.namespace: is fixed/) },
    ]);
  });

  it("two rows that set one key: the row under the canonical key applies, the other is named", () => {
    const loaded = loadWithStoredOverrides(
      { env },
      { sync: { privacy_floor: -15, privacy_ceiling: 4 }, "sync.privacy_floor": 2 },
    );
    expect(loaded.config.sync.privacy_floor).toBe(2);
    // The whole other row is out: a row applies whole or not at all.
    expect(loaded.config.sync.privacy_ceiling).toBe(15);
    expect(loaded.settingsErrors).toEqual([
      {
        key: "sync",
        message: 'sync.privacy_floor: also stored as "sync.privacy_floor", which applies',
      },
    ]);
  });
});

describe("loadStoredSettings: the same path, judged whole (what PATCH saves)", () => {
  it("loads when every row applies", () => {
    const { config } = loadStoredSettings({ env }, { sync: { privacy_floor: 0 } });
    expect(config.sync.privacy_floor).toBe(0);
  });

  it("names every key that cannot work: a row that does not read by its row key, the rest dotted", () => {
    expect.assertions(2);
    try {
      loadStoredSettings(
        { env },
        { memory: { namespace: "moved" }, "sync.privacy_floor": 9, "sync.privacy_ceiling": 3 },
        restOnly,
      );
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((issue) => issue.key)).toEqual([
        "memory",
        "sync.privacy_ceiling",
      ]);
    }
  });

  it("a backend without its URL is refused whole; at start the row is left out", () => {
    const stored = { sync: { enabled: true, backend: "postgres" } };
    expect(() => loadStoredSettings({ env }, stored)).toThrow(/sync.connection_url/);
    const loaded = loadWithStoredOverrides({ env }, stored);
    expect(loaded.config.sync.enabled).toBe(false);
    expect(loaded.settingsErrors.map((e) => e.key)).toEqual(["sync"]);
  });
});

describe("stored rows, whatever is in them", () => {
  const rowKey = fc.oneof(
    fc.constantFrom(...configKeys(), "sync", "memory", "region", "__proto__", "constructor"),
    fc.string({ maxLength: 10 }),
  );
  const rows = fc
    .array(fc.tuple(rowKey, fc.jsonValue({ maxDepth: 3 })), { maxLength: 6 })
    .map((entries) => Object.fromEntries(entries));

  it("never stop a region: each row applies or is named, and PATCH's judge throws only ConfigError", () => {
    fc.assert(
      fc.property(rows, (stored) => {
        const loaded = loadWithStoredOverrides({ env }, stored);
        for (const error of loaded.settingsErrors)
          expect(Object.hasOwn(stored, error.key)).toBe(true);
        expect(loaded.config.memory.namespace).toBe("ns-stored");
        expect(loaded.config.region.id).toBe("local");
        try {
          loadStoredSettings({ env }, stored);
          expect(loaded.settingsErrors).toEqual([]);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 150 },
    );
  });
});
