import { describe, expect, it } from "vitest";
import { ConfigError } from "./issues.js";
import { patchSettings } from "./patch.js";

describe("patchSettings: a patch in any form over the stored rows", () => {
  it("lays a nested key over a dotted row (and the other way round): one key, one row", () => {
    expect(patchSettings({ "sync.privacy_floor": 3 }, { sync: { privacy_floor: -2 } })).toEqual({
      next: { "sync.privacy_floor": -2 },
      changed: ["sync.privacy_floor"],
    });
    expect(patchSettings({ sync: { privacy_floor: 3 } }, { "sync.privacy_floor": -2 })).toEqual({
      next: { "sync.privacy_floor": -2 },
      changed: ["sync.privacy_floor"],
    });
  });

  it("null removes a key wherever a row holds it, and what is set inside it", () => {
    const stored = {
      sync: { privacy_floor: 3, privacy_ceiling: 9 },
      "sync.options": { retries: 2 },
      "sync.options.timeoutMs": 500,
    };
    expect(patchSettings(stored, { "Sync.Privacy_Floor": null, sync: { options: null } })).toEqual({
      next: { "sync.privacy_ceiling": 9 },
      changed: ["sync.options", "sync.privacy_floor"],
    });
  });

  it("a whole table replaces the entries stored inside it; an entry is laid over the table", () => {
    const stored = { "sync.options": { retries: 2 }, "sync.options.timeoutMs": 500 };
    expect(patchSettings(stored, { sync: { options: { retries: 4 } } }).next).toEqual({
      "sync.options": { retries: 4 },
    });
    expect(patchSettings(stored, { "sync.options.retries": 5 }).next).toEqual({
      "sync.options": { retries: 2 },
      "sync.options.retries": 5,
      "sync.options.timeoutMs": 500,
    });
  });

  it("keeps a secret when its mask comes back in any form", () => {
    const stored = { "sync.token": "s3cret-token" };
    expect(patchSettings(stored, { sync: { token: "***", channel: "c" } }).next).toEqual({
      "sync.channel": "c",
      "sync.token": "s3cret-token",
    });
  });

  it("keeps a stored row that does not read (so it is still named), and clears it by its stored key", () => {
    const stored = { memory: { namespace: "other" }, "sync.retired_knob": true };
    expect(patchSettings(stored, { "logging.level": "DEBUG" }).next).toEqual({
      "logging.level": "DEBUG",
      memory: { namespace: "other" },
      "sync.retired_knob": true,
    });
    expect(patchSettings(stored, { memory: null, "sync.retired_knob": null })).toEqual({
      next: {},
      changed: ["memory", "sync.retired_knob"],
    });
  });

  it("refuses a body that breaks a rule, whole", () => {
    for (const body of [
      { memory: { namespace: "other" } },
      { "sync.privacy_floor": 1, sync: { privacy_floor: 2 } },
      JSON.parse('{"__proto__": {"logging.level": "DEBUG"}}'),
      { "logging.levle": "DEBUG" },
      // A null for an unknown key that is not stored is still an unknown key.
      { "sync.retired_knob": null },
      ["logging.level"],
    ])
      expect(() => patchSettings({}, body), JSON.stringify(body)).toThrow(ConfigError);
  });
});
