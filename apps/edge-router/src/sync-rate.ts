/**
 * A region's sync rate, derived from the cumulative event totals its `/health/sync` reports
 * (`events.published`, `events.applied`): each probe adds a sample to a bounded ring, and
 * the rate between two samples is the counters' increase over the time between them.
 * Pure: the health object keeps the rings, the status page and its JSON read the rates.
 */

/** Samples older than this (behind the newest) are dropped. */
export const RATE_WINDOW_MS = 10 * 60_000;
/**
 * At most this many samples per region, whatever the probe interval: at the default 5 s
 * that is the whole window; a faster prober keeps a shorter one.
 */
export const MAX_RATE_SAMPLES = 120;
/** The headline rate is the mean over this last stretch of the ring. */
export const HEADLINE_WINDOW_MS = 60_000;

/** One probe's reading of a region's event counters. */
export interface CounterSample {
  /** When the probe read them (ms since the epoch). */
  at: number;
  published: number;
  applied: number;
}

export interface Rate {
  /** Published plus applied: every event the region moved through sync. */
  eventsPerSecond: number;
  publishedPerSecond: number;
  appliedPerSecond: number;
}

/** The rate over one interval between samples, stamped with the interval's end. */
export interface RatePoint extends Rate {
  at: number;
}

/**
 * The ring with `sample` added, bounded in time and count. A sample not newer than the
 * last one (a probe answered out of order) is ignored, so intervals are always positive.
 */
export function addSample(
  ring: readonly CounterSample[],
  sample: CounterSample,
  windowMs = RATE_WINDOW_MS,
  maxSamples = MAX_RATE_SAMPLES,
): CounterSample[] {
  const last = ring[ring.length - 1];
  if (last !== undefined && sample.at <= last.at) return [...ring];
  const kept = ring.filter((s) => sample.at - s.at <= windowMs);
  kept.push(sample);
  return kept.slice(-maxSamples);
}

/**
 * How much a counter grew from `before` to `after`. Counters only grow; one that went
 * down was reset (its store replaced), and counted up from zero since, as Prometheus's
 * `rate()` reads it. Never negative.
 */
export function increase(before: number, after: number): number {
  if (!Number.isFinite(before) || !Number.isFinite(after)) return 0;
  return after >= before ? after - before : Math.max(0, after);
}

/** The rate between each pair of consecutive samples, oldest first. */
export function ratePoints(ring: readonly CounterSample[]): RatePoint[] {
  const points: RatePoint[] = [];
  for (let i = 1; i < ring.length; i++) {
    const before = ring[i - 1] as CounterSample;
    const after = ring[i] as CounterSample;
    points.push({ at: after.at, ...rateBetween([before, after]) });
  }
  return points;
}

/**
 * The mean rate over the samples of the last `windowMs` before the newest (at least the
 * last two samples); null with fewer than two samples.
 */
export function recentRate(
  ring: readonly CounterSample[],
  windowMs = HEADLINE_WINDOW_MS,
): Rate | null {
  const newest = ring[ring.length - 1];
  if (newest === undefined || ring.length < 2) return null;
  const from = Math.min(
    ring.length - 2,
    ring.findIndex((s) => newest.at - s.at <= windowMs),
  );
  return rateBetween(ring.slice(from));
}

/** The summed increases over the samples, divided by the time they span. */
function rateBetween(samples: readonly CounterSample[]): Rate {
  let published = 0;
  let applied = 0;
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1] as CounterSample;
    const after = samples[i] as CounterSample;
    published += increase(before.published, after.published);
    applied += increase(before.applied, after.applied);
  }
  const first = samples[0] as CounterSample;
  const last = samples[samples.length - 1] as CounterSample;
  const seconds = (last.at - first.at) / 1000;
  const perSecond = (n: number) => (seconds > 0 ? n / seconds : 0);
  return {
    eventsPerSecond: perSecond(published + applied),
    publishedPerSecond: perSecond(published),
    appliedPerSecond: perSecond(applied),
  };
}
