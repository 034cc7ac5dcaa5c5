/** The one set of sample statistics every benchmark prints (transports, propagation, router). */

/** Median of a sample (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Nearest-rank percentile: the smallest sample with at least `p`% of the samples at or below it. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** p50 and p99 of a latency sample, rounded. */
export interface Quantiles {
  p50: number;
  p99: number;
}

export function quantiles(values: number[], digits = 1): Quantiles {
  return { p50: round(percentile(values, 50), digits), p99: round(percentile(values, 99), digits) };
}

/** Each quantile as a multiple of the same quantile of `floor` (how far above the raw round trip). */
export function multiples(of: Quantiles, floor: Quantiles, digits = 1): Quantiles {
  return { p50: round(of.p50 / floor.p50, digits), p99: round(of.p99 / floor.p99, digits) };
}

/** Events (or requests) per second over a span measured with `performance.now()`. */
export function perSecond(count: number, startedMs: number, endedMs = performance.now()): number {
  return count / ((endedMs - startedMs) / 1000);
}
