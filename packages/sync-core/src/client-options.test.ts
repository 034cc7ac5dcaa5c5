import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backendMismatch, SYNC_BACKENDS } from "./backend.js";
import { readClientOptions } from "./client-options.js";
import { loadConfig } from "./config/load.js";

const spec = {
  accepted: { retries: "integer", keepAlive: "boolean", application_name: "string" },
  edgeEquivalents: { ssl: "TLS comes from the https:// URL" },
} as const;

describe("readClientOptions", () => {
  it("keeps accepted keys with values of their kind, coercing env strings", () => {
    const read = readClientOptions(
      "sync.options",
      { retries: "3", keepAlive: "False", application_name: 7, unset: null },
      spec,
    );
    expect(read).toEqual({
      values: { retries: 3, keepAlive: false, application_name: "7" },
      issues: [],
      warnings: [],
    });
  });

  it("warns about edge-meaningless keys, naming the equivalent, and refuses the rest", () => {
    const read = readClientOptions(
      "sync.options",
      { ssl: true, retrys: 2, retries: -1, keepAlive: "yes please" },
      spec,
    );
    expect(read.values).toEqual({});
    expect(read.warnings).toEqual([
      "sync.options.ssl: has no effect on the edge; TLS comes from the https:// URL",
    ]);
    expect(read.issues).toEqual([
      {
        key: "sync.options.retrys",
        message:
          "unknown option; accepted: retries, keepAlive, application_name (ignored with a warning: ssl)",
      },
      { key: "sync.options.retries", message: "must be a whole number >= 0" },
      { key: "sync.options.keepAlive", message: "must be true or false" },
    ]);
  });

  it("never lets an unknown key through, whatever its value", () => {
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 1 })
          .filter((k) => !(k in spec.accepted) && !(k in spec.edgeEquivalents)),
        fc.oneof(fc.string(), fc.integer(), fc.boolean()),
        (key, value) => {
          const read = readClientOptions("sync.connect_kwargs", { [key]: value }, spec);
          expect(read.values).toEqual({});
          expect(read.issues.map((i) => i.key)).toEqual([`sync.connect_kwargs.${key}`]);
        },
      ),
    );
  });
});

describe("sync.backend", () => {
  it("accepts none and every registered name, and explains the original's memory backend", () => {
    for (const name of ["none", ...SYNC_BACKENDS]) {
      expect(loadConfig({ env: { MEMORIA_SYNC__BACKEND: name } }).config.sync.backend).toBe(name);
    }
    expect(() => loadConfig({ env: { MEMORIA_SYNC__BACKEND: "memory" } })).toThrow(
      /sync\.backend = memory \(from MEMORIA_SYNC__BACKEND\): "memory" \(the original's in-process backend\) has no edge equivalent.*must be none, redis or postgres/,
    );
  });

  it("names the mismatch when a backend is asked to connect another's config", () => {
    const { config } = loadConfig({ env: { MEMORIA_SYNC__BACKEND: "postgres" } });
    expect(backendMismatch(config, "postgres")).toEqual([]);
    expect(backendMismatch(config, "redis")).toEqual([
      { key: "sync.backend", message: 'is "postgres", not "redis"' },
    ]);
  });
});
