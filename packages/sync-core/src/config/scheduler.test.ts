import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./load.js";
import { CRON_INTERVAL_MS } from "./schema.js";
import { loadStoredSettings } from "./stored.js";

/**
 * The scheduler lease against the cron interval: renewed every tick, it must outlive one
 * interval (else a healthy leader's lease lapses between renewals and the lead changes
 * every tick or so) and end within two (so a dead leader's lead moves on within one
 * interval of the tick it missed).
 */

function refusal(env: Record<string, string>): string {
  try {
    loadConfig({ env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("accepted");
}

describe("scheduler.lease_ttl_ms against scheduler.interval_ms", () => {
  it("defaults to a lease of 1.5 cron intervals", () => {
    const { scheduler } = loadConfig().config;
    expect(scheduler.interval_ms).toBe(CRON_INTERVAL_MS);
    expect(scheduler.lease_ttl_ms).toBe(90_000);
  });

  it("refuses a lease no longer than the interval, naming the key and what to use", () => {
    for (const ttl of ["60000", "30000"]) {
      const message = refusal({ MEMORIA_SCHEDULER__LEASE_TTL_MS: ttl });
      expect(message).toContain(`scheduler.lease_ttl_ms = ${ttl}`);
      expect(message).toContain("must be longer than scheduler.interval_ms (60000)");
      expect(message).toContain("use 90000");
    }
  });

  it("refuses a lease of two intervals or more: a dead leader would hold the lead too long", () => {
    expect(refusal({ MEMORIA_SCHEDULER__LEASE_TTL_MS: "120000" })).toMatch(
      /scheduler\.lease_ttl_ms = 120000.*shorter than twice it/,
    );
  });

  it("checks a lease against an interval set beside it", () => {
    const env = { MEMORIA_SCHEDULER__INTERVAL_MS: "2000", MEMORIA_SCHEDULER__LEASE_TTL_MS: "3000" };
    expect(loadConfig({ env }).config.scheduler).toMatchObject({
      interval_ms: 2000,
      lease_ttl_ms: 3000,
    });
    expect(
      refusal({ MEMORIA_SCHEDULER__INTERVAL_MS: "4000", MEMORIA_SCHEDULER__LEASE_TTL_MS: "3000" }),
    ).toContain("use 6000");
  });

  it("PATCH /settings cannot store a lease the interval refuses", () => {
    expect(() => loadStoredSettings({}, { "scheduler.lease_ttl_ms": 60_000 })).toThrow(
      /scheduler\.lease_ttl_ms.*must be longer than scheduler\.interval_ms/,
    );
    expect(
      loadStoredSettings({}, { "scheduler.lease_ttl_ms": 100_000 }).config.scheduler.lease_ttl_ms,
    ).toBe(100_000);
  });
});
