import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  afterFailure,
  afterProbeFailure,
  afterSuccess,
  type Breaker,
  CLOSED,
  circuitAt,
  claimTrial,
} from "./breaker.js";

const COOLDOWN = 1_000;
const T0 = 1_700_000_000_000;

describe("circuit breaker", () => {
  it("lets everything through while closed", () => {
    expect(circuitAt(CLOSED, T0, COOLDOWN)).toBe("closed");
    for (let i = 0; i < 5; i++) expect(claimTrial(CLOSED, T0 + i, COOLDOWN).granted).toBe(true);
  });

  it("opens on a failure and refuses requests through the cool-down", () => {
    const open = afterFailure(CLOSED, T0);
    expect(circuitAt(open, T0, COOLDOWN)).toBe("open");
    expect(circuitAt(open, T0 + COOLDOWN - 1, COOLDOWN)).toBe("open");
    expect(claimTrial(open, T0 + COOLDOWN - 1, COOLDOWN)).toEqual({
      granted: false,
      breaker: open,
    });
  });

  it("turns half-open after the cool-down and hands out exactly one trial", () => {
    const open = afterFailure(CLOSED, T0);
    const later = T0 + COOLDOWN;
    expect(circuitAt(open, later, COOLDOWN)).toBe("half-open");
    const first = claimTrial(open, later, COOLDOWN);
    expect(first.granted).toBe(true);
    let state = first.breaker;
    for (let i = 1; i < 10; i++) {
      const next = claimTrial(state, later + i, COOLDOWN);
      expect(next.granted).toBe(false);
      state = next.breaker;
    }
    expect(circuitAt(state, later + 10, COOLDOWN)).toBe("half-open");
  });

  it("closes when the trial succeeds, re-opens for a full cool-down when it fails", () => {
    const trial = claimTrial(afterFailure(CLOSED, T0), T0 + COOLDOWN, COOLDOWN).breaker;
    expect(circuitAt(afterSuccess(trial), T0 + COOLDOWN + 1, COOLDOWN)).toBe("closed");
    const reopened = afterFailure(trial, T0 + COOLDOWN + 5);
    expect(circuitAt(reopened, T0 + 2 * COOLDOWN + 4, COOLDOWN)).toBe("open");
    expect(circuitAt(reopened, T0 + 2 * COOLDOWN + 5, COOLDOWN)).toBe("half-open");
  });

  it("hands a trial that never reported back out again after another cool-down", () => {
    const trial = claimTrial(afterFailure(CLOSED, T0), T0 + COOLDOWN, COOLDOWN).breaker;
    expect(claimTrial(trial, T0 + 2 * COOLDOWN - 1, COOLDOWN).granted).toBe(false);
    expect(claimTrial(trial, T0 + 2 * COOLDOWN, COOLDOWN).granted).toBe(true);
  });

  it("opens a closed circuit on a failed probe but never restarts an open one's cool-down", () => {
    expect(afterProbeFailure(CLOSED, T0)).toEqual({ circuit: "open", openedAt: T0, trialAt: null });
    const open = afterFailure(CLOSED, T0);
    expect(afterProbeFailure(open, T0 + 500)).toBe(open);
  });

  it("never grants two trials within one cool-down, whatever happens in between", () => {
    type Step = { kind: "claim" | "fail" | "probe-fail" | "succeed"; dt: number };
    const step = fc.record({
      kind: fc.constantFrom<Step["kind"]>(
        "claim",
        "claim",
        "claim",
        "fail",
        "probe-fail",
        "succeed",
      ),
      dt: fc.integer({ min: 0, max: 2 * COOLDOWN }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let breaker: Breaker = CLOSED;
        let now = T0;
        let lastTrial: number | null = null;
        for (const { kind, dt } of steps) {
          now += dt;
          const before = circuitAt(breaker, now, COOLDOWN);
          if (kind === "fail") breaker = afterFailure(breaker, now);
          if (kind === "probe-fail") breaker = afterProbeFailure(breaker, now);
          if (kind === "succeed") breaker = afterSuccess(breaker);
          if (kind !== "claim") {
            if (kind !== "probe-fail" || before === "closed") lastTrial = null;
            continue;
          }
          const result = claimTrial(breaker, now, COOLDOWN);
          breaker = result.breaker;
          if (before === "closed") expect(result.granted).toBe(true);
          if (before === "open") expect(result.granted).toBe(false);
          if (before === "half-open" && result.granted) {
            if (lastTrial !== null) expect(now - lastTrial).toBeGreaterThanOrEqual(COOLDOWN);
            lastTrial = now;
          }
        }
      }),
    );
  });
});
