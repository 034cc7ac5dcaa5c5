/**
 * Per-event timing of one asynchronous operation, the same loop in Node and in workerd (no
 * Node built-ins). workerd coarsens its clock to whole milliseconds (a Spectre mitigation),
 * too coarse for operations of tens of µs, so every run is timed in batches long enough for
 * that clock (`batchMs`), and each event alone too where the clock is fine enough to time it.
 */
import { type Quantiles, quantiles } from "./stats.js";

export interface TimingBounds {
  /** Time spent per operation, warm-up excluded (ms). */
  caseMs: number;
  /** Most events per operation, whatever the time. */
  maxEvents: number;
  /** Length a batch aims for (ms): many clock steps, so the batch's mean is exact to a few %. */
  batchMs: number;
  /** Untimed time first (ms): JIT, key caches, and the estimate that sizes the batches. */
  warmupMs: number;
}

export interface Timing {
  events: number;
  batches: number;
  batch_size: number;
  /** Each event timed alone, µs; `null` where the clock is too coarse for it (workerd). */
  per_event_us: Quantiles | null;
  /** Each batch's mean µs per event, p50/p99 over the batches: comparable across runtimes. */
  batch_mean_us: Quantiles;
}

/** A clock step at or above this (ms) is too coarse to time one event of tens of µs. */
const FINE_CLOCK_MS = 0.01;
const MAX_BATCH = 100_000;

/** The smallest step `performance.now()` takes here (ms), from a few bounded samples. */
export function clockStepMs(samples = 20): number {
  let smallest = Number.POSITIVE_INFINITY;
  for (let s = 0; s < samples; s++) {
    const start = performance.now();
    let next = start;
    // Bounded: a frozen clock (none observed) would otherwise spin forever.
    for (let spin = 0; spin < 10_000_000 && next === start; spin++) next = performance.now();
    if (next > start) smallest = Math.min(smallest, next - start);
  }
  return smallest;
}

/** Runs `op` until the warm-up time has passed; the mean ms per call sizes the batches. */
async function warmUp(op: () => Promise<unknown>, warmupMs: number): Promise<number> {
  const start = performance.now();
  let calls = 0;
  while (calls < 1 || performance.now() - start < warmupMs) {
    await op();
    calls++;
  }
  return (performance.now() - start) / calls;
}

/** Times `op`, one call at a time (each awaited: its latency is its cost), within `bounds`. */
export async function timeOperation(
  op: () => Promise<unknown>,
  bounds: TimingBounds,
): Promise<Timing> {
  const fineClock = clockStepMs(5) < FINE_CLOCK_MS;
  const meanMs = await warmUp(op, bounds.warmupMs);
  const batchSize = Math.min(MAX_BATCH, Math.max(1, Math.ceil(bounds.batchMs / meanMs)));
  const perEvent: number[] = [];
  const batchMeans: number[] = [];
  const start = performance.now();
  let events = 0;
  while (events < bounds.maxEvents && performance.now() - start < bounds.caseMs) {
    const batchStart = performance.now();
    for (let i = 0; i < batchSize; i++) {
      const t0 = performance.now();
      await op();
      if (fineClock) perEvent.push((performance.now() - t0) * 1000);
    }
    batchMeans.push(((performance.now() - batchStart) * 1000) / batchSize);
    events += batchSize;
  }
  return {
    events,
    batches: batchMeans.length,
    batch_size: batchSize,
    per_event_us: fineClock ? quantiles(perEvent, 1) : null,
    batch_mean_us: quantiles(batchMeans, 1),
  };
}
