import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addSample,
  type CounterSample,
  increase,
  MAX_RATE_SAMPLES,
  RATE_WINDOW_MS,
  ratePoints,
  recentRate,
} from "./sync-rate.js";

const T0 = 1_700_000_000_000;

/** Samples `stepMs` apart from T0, with the given counter values. */
function ring(values: Array<[number, number]>, stepMs = 5_000): CounterSample[] {
  return values.map(([published, applied], i) => ({ at: T0 + i * stepMs, published, applied }));
}

/** Counter readings taken 0.5 to 30 s apart. */
const readings = (values: fc.Arbitrary<number>) =>
  fc.array(fc.tuple(fc.integer({ min: 500, max: 30_000 }), values, values), {
    minLength: 2,
    maxLength: 40,
  });

function asRing(steps: Array<[number, number, number]>): CounterSample[] {
  let at = T0;
  return steps.map(([gap, published, applied]) => {
    at += gap;
    return { at, published, applied };
  });
}

describe("sync rate from successive probes", () => {
  it("is the counters' increase over the time between probes", () => {
    const samples = ring([
      [0, 100],
      [50, 100],
      [50, 160],
    ]);
    expect(ratePoints(samples)).toEqual([
      { at: T0 + 5_000, eventsPerSecond: 10, publishedPerSecond: 10, appliedPerSecond: 0 },
      { at: T0 + 10_000, eventsPerSecond: 12, publishedPerSecond: 0, appliedPerSecond: 12 },
    ]);
    expect(recentRate(samples)).toEqual({
      eventsPerSecond: 11,
      publishedPerSecond: 5,
      appliedPerSecond: 6,
    });
  });

  it("has no rate before two probes reported totals", () => {
    expect(recentRate([])).toBeNull();
    expect(recentRate(ring([[5, 5]]))).toBeNull();
    expect(ratePoints(ring([[5, 5]]))).toEqual([]);
  });

  it("reads a counter that went down as reset: counted up from zero since, never negative", () => {
    expect(increase(500, 20)).toBe(20);
    expect(increase(500, 0)).toBe(0);
    expect(increase(20, 500)).toBe(480);
    const reset = ring([
      [900, 900],
      [30, 10],
    ]);
    expect(ratePoints(reset)[0]).toMatchObject({ publishedPerSecond: 6, appliedPerSecond: 2 });
  });

  it("property: monotonic counters give non-negative rates that add up to the growth", () => {
    const monotonic = readings(fc.integer({ min: 0, max: 1_000 })).map((steps) => {
      let published = 0;
      let applied = 0;
      return steps.map(([gap, dp, da]): [number, number, number] => {
        published += dp;
        applied += da;
        return [gap, published, applied];
      });
    });
    fc.assert(
      fc.property(monotonic, (steps) => {
        const samples = asRing(steps);
        const points = ratePoints(samples);
        for (const p of points) {
          expect(p.eventsPerSecond).toBeGreaterThanOrEqual(0);
          expect(p.eventsPerSecond).toBeCloseTo(p.publishedPerSecond + p.appliedPerSecond, 9);
        }
        // Rate × interval summed over the points is the counters' whole growth.
        let total = 0;
        for (let i = 0; i < points.length; i++) {
          const seconds =
            ((samples[i + 1] as CounterSample).at - (samples[i] as CounterSample).at) / 1000;
          total += (points[i] as { eventsPerSecond: number }).eventsPerSecond * seconds;
        }
        const first = samples[0] as CounterSample;
        const last = samples[samples.length - 1] as CounterSample;
        expect(total).toBeCloseTo(
          last.published + last.applied - first.published - first.applied,
          6,
        );
        expect(recentRate(samples)?.eventsPerSecond).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it("property: any readings at all (resets, store swaps) never give a negative rate", () => {
    fc.assert(
      fc.property(readings(fc.integer({ min: 0, max: 1_000_000 })), (steps) => {
        const samples = asRing(steps);
        for (const p of ratePoints(samples)) {
          expect(p.publishedPerSecond).toBeGreaterThanOrEqual(0);
          expect(p.appliedPerSecond).toBeGreaterThanOrEqual(0);
        }
        const recent = recentRate(samples);
        expect(recent?.eventsPerSecond ?? 0).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe("the ring of samples", () => {
  it("keeps the last ten minutes, at most MAX_RATE_SAMPLES, and ignores an out-of-order sample", () => {
    let kept: CounterSample[] = [];
    for (let i = 0; i < 300; i++)
      kept = addSample(kept, { at: T0 + i * 5_000, published: i, applied: 0 });
    expect(kept.length).toBeLessThanOrEqual(MAX_RATE_SAMPLES);
    const newest = kept[kept.length - 1] as CounterSample;
    expect(newest.at - (kept[0] as CounterSample).at).toBeLessThanOrEqual(RATE_WINDOW_MS);
    expect(addSample(kept, { at: newest.at, published: 0, applied: 0 })).toEqual(kept);
    expect(addSample(kept, { at: newest.at - 1, published: 0, applied: 0 })).toEqual(kept);
    // A fast prober keeps MAX_RATE_SAMPLES, a shorter stretch of time.
    let fast: CounterSample[] = [];
    for (let i = 0; i < 500; i++)
      fast = addSample(fast, { at: T0 + i * 500, published: i, applied: 0 });
    expect(fast).toHaveLength(MAX_RATE_SAMPLES);
  });

  it("headline rate covers the last minute only", () => {
    // 10 events/s for nine minutes, then 1 event/s for the last minute.
    const samples: CounterSample[] = [];
    let published = 0;
    for (let i = 0; i <= 120; i++) {
      if (i > 0) published += i > 108 ? 5 : 50;
      samples.push({ at: T0 + i * 5_000, published, applied: 0 });
    }
    expect(recentRate(samples)?.eventsPerSecond).toBeCloseTo(1, 9);
  });
});
