import { describe, expect, it } from "vitest";
import { configKeys } from "./keys.js";
import { loadConfig } from "./load.js";
import { MASK, settingsView, withoutMaskedSecrets } from "./settings.js";

describe("settingsView", () => {
  const env = {
    MEMORIA_SYNC__CONNECTION_URL: "postgresql://memoria:secret@db:5432/memoria",
    MEMORIA_SYNC__ENABLED: "true",
    MEMORIA_SYNC__BACKEND: "postgres",
    MEMORIA_API_KEY: "0123456789abcdef0123",
  };

  it("lists every key as a dotted name and masks secrets that are set", () => {
    const view = settingsView(loadConfig({ env }).config);
    expect(Object.keys(view)).toEqual(configKeys());
    expect(view["sync.connection_url"]).toBe(MASK);
    expect(view.api_key).toBe(MASK);
    expect(view["sync.token"]).toBeNull();
    expect(view["sync.signing_keys"]).toEqual({});
    expect(view["sync.privacy_floor"]).toBe(-15);
    expect(JSON.stringify(view)).not.toContain("secret@db");
  });

  it("keeps a secret when the masked value is sent back", () => {
    const patch = withoutMaskedSecrets({
      "sync.connection_url": MASK,
      "sync.privacy_floor": 0,
      "sync.channel": MASK,
    });
    expect(patch).toEqual({ "sync.privacy_floor": 0, "sync.channel": MASK });
    // Only secrets are protected: "***" for an ordinary key is an ordinary (here invalid) value.
    expect(() => loadConfig({ env, overrides: patch })).toThrow(/sync.channel = "\*\*\*"/);
    const { config } = loadConfig({
      env,
      overrides: withoutMaskedSecrets({ "sync.connection_url": MASK, "sync.privacy_floor": 0 }),
    });
    expect(config.sync.privacy_floor).toBe(0);
    expect(config.sync.connection_url).toBe(env.MEMORIA_SYNC__CONNECTION_URL);
  });
});
