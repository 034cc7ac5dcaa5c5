import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClockDriftError, compareHlc, formatHlc, type Hlc, HybridClock, parseHlc } from "./hlc.js";

function manualClock(start: number) {
  let now = start;
  return {
    read: () => now,
    set: (t: number) => {
      now = t;
    },
  };
}

describe("HybridClock", () => {
  it("follows physical time when it moves forward", () => {
    const time = manualClock(1_000);
    const clock = new HybridClock({ node: "region-a", physicalNow: time.read });
    expect(clock.now()).toEqual({ wall: 1_000, counter: 0, node: "region-a" });
    expect(clock.now()).toEqual({ wall: 1_000, counter: 1, node: "region-a" });
    time.set(1_005);
    expect(clock.now()).toEqual({ wall: 1_005, counter: 0, node: "region-a" });
  });

  it("stays monotonic when the wall clock steps back", () => {
    const time = manualClock(10_000);
    const clock = new HybridClock({ node: "a", physicalNow: time.read });
    const before = clock.now();
    time.set(2_000);
    const after = clock.now();
    expect(compareHlc(after, before)).toBe(1);
    expect(after.wall).toBe(10_000);
  });

  it("moves past a remote timestamp it receives", () => {
    const clock = new HybridClock({ node: "b", physicalNow: () => 1_000 });
    const merged = clock.receive({ wall: 1_500, counter: 7, node: "a" });
    expect(merged).toEqual({ wall: 1_500, counter: 8, node: "b" });
    expect(compareHlc(clock.now(), merged)).toBe(1);
  });

  it("rejects a remote clock further ahead than the allowed drift", () => {
    const clock = new HybridClock({ node: "b", physicalNow: () => 1_000, maxDriftMs: 500 });
    expect(() => clock.receive({ wall: 1_501, counter: 0, node: "a" })).toThrow(ClockDriftError);
    expect(clock.peek().wall).toBe(0);
    expect(clock.receive({ wall: 1_500, counter: 0, node: "a" }).wall).toBe(1_500);
  });

  it("resumes after a restart above the last timestamp it issued", () => {
    const last = formatHlc({ wall: 5_000, counter: 3, node: "a" });
    const clock = new HybridClock({ node: "a", physicalNow: () => 4_000, last });
    expect(clock.now()).toEqual({ wall: 5_000, counter: 4, node: "a" });
  });

  it("borrows the next millisecond when the counter would overflow its field", () => {
    const clock = new HybridClock({
      node: "a",
      physicalNow: () => 7,
      last: { wall: 7, counter: 99_999, node: "a" },
    });
    expect(clock.now()).toEqual({ wall: 8, counter: 0, node: "a" });
  });

  it("refuses node ids that would break the string form", () => {
    expect(() => new HybridClock({ node: "a:b" })).toThrow(RangeError);
  });

  it("never goes backwards under any sequence of wall-clock jumps, sends and receives", () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant("tick" as const),
        jump: fc.integer({ min: -5_000, max: 5_000 }),
      }),
      fc.record({
        kind: fc.constant("receive" as const),
        ahead: fc.integer({ min: -10_000, max: 2_000 }),
        counter: fc.nat({ max: 99_999 }),
        node: fc.constantFrom("a", "b", "c"),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const time = manualClock(1_000_000);
        const clock = new HybridClock({ node: "me", physicalNow: time.read, maxDriftMs: 1_000 });
        let previous: Hlc = clock.now();
        for (const s of steps) {
          let next: Hlc;
          if (s.kind === "tick") {
            time.set(Math.max(0, time.read() + s.jump));
            next = clock.now();
          } else {
            const remote = {
              wall: Math.max(0, time.read() + s.ahead),
              counter: s.counter,
              node: s.node,
            };
            try {
              next = clock.receive(remote);
              expect(compareHlc(next, remote)).toBe(1);
            } catch (error) {
              expect(error).toBeInstanceOf(ClockDriftError);
              expect(s.ahead).toBeGreaterThan(1_000);
              continue;
            }
          }
          expect(compareHlc(next, previous)).toBe(1);
          previous = next;
        }
      }),
    );
  });
});

describe("HLC string form", () => {
  const hlc = fc.record({
    wall: fc.integer({ min: 0, max: 2 ** 47 }),
    counter: fc.nat({ max: 99_999 }),
    node: fc.stringMatching(/^[a-z0-9-]{1,12}$/),
  });

  it("round-trips and sorts exactly as compareHlc orders", () => {
    fc.assert(
      fc.property(hlc, hlc, (a, b) => {
        expect(parseHlc(formatHlc(a))).toEqual(a);
        const byString = formatHlc(a) < formatHlc(b) ? -1 : formatHlc(a) > formatHlc(b) ? 1 : 0;
        expect(compareHlc(a, b)).toBe(byString);
        expect(compareHlc(b, a)).toBe(-byString);
      }),
    );
  });

  it("rejects text that is not a clock value", () => {
    expect(() => parseHlc("12:3:a")).toThrow(/wallMs:counter:node/);
  });
});
