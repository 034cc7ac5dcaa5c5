/**
 * Hybrid logical clock (Kulkarni et al., 2014): physical milliseconds plus a counter,
 * so timestamps follow causality even when wall clocks disagree, and stay close to
 * real time. The node id breaks ties, which makes the order total.
 */

export interface Hlc {
  /** Milliseconds since the epoch, never behind any timestamp this clock has seen. */
  readonly wall: number;
  /** Orders events within one millisecond. */
  readonly counter: number;
  /** Region (or process) that produced the timestamp. */
  readonly node: string;
}

const WALL_DIGITS = 15;
const COUNTER_DIGITS = 5;
const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
const NODE_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const HLC_PATTERN = /^(\d{15}):(\d{5}):([A-Za-z0-9._-]{1,64})$/;

/** Zero-padded `wallMs:counter:node`, so the string order equals `compareHlc`'s order. */
export function formatHlc(hlc: Hlc): string {
  return `${String(hlc.wall).padStart(WALL_DIGITS, "0")}:${String(hlc.counter).padStart(COUNTER_DIGITS, "0")}:${hlc.node}`;
}

export function parseHlc(text: string): Hlc {
  const match = HLC_PATTERN.exec(text);
  if (!match) throw new HlcFormatError(text);
  return { wall: Number(match[1]), counter: Number(match[2]), node: match[3] as string };
}

export function isHlcString(text: string): boolean {
  return HLC_PATTERN.test(text);
}

export class HlcFormatError extends Error {
  constructor(text: string) {
    super(`not a hybrid logical clock value (want wallMs:counter:node): ${JSON.stringify(text)}`);
    this.name = "HlcFormatError";
  }
}

/** Total order: wall time, then counter, then node id. */
export function compareHlc(a: Hlc | string, b: Hlc | string): -1 | 0 | 1 {
  const x = typeof a === "string" ? parseHlc(a) : a;
  const y = typeof b === "string" ? parseHlc(b) : b;
  if (x.wall !== y.wall) return x.wall < y.wall ? -1 : 1;
  if (x.counter !== y.counter) return x.counter < y.counter ? -1 : 1;
  if (x.node !== y.node) return x.node < y.node ? -1 : 1;
  return 0;
}

/** A remote timestamp further ahead of our wall clock than the allowed drift. */
export class ClockDriftError extends Error {
  readonly aheadMs: number;
  constructor(remote: Hlc, physical: number, maxDriftMs: number) {
    const aheadMs = remote.wall - physical;
    super(
      `remote clock ${formatHlc(remote)} is ${aheadMs} ms ahead of local time, more than the allowed ${maxDriftMs} ms`,
    );
    this.name = "ClockDriftError";
    this.aheadMs = aheadMs;
  }
}

export interface HybridClockOptions {
  /** This clock's node id (the region id). */
  node: string;
  /** Physical time source in ms; `Date.now` by default. Tests inject their own. */
  physicalNow?: () => number;
  /**
   * How far ahead of our wall clock a remote timestamp may be before `receive` rejects it.
   * Accepting any value would let one bad clock drag every region's time forward.
   * @default 60_000
   */
  maxDriftMs?: number;
  /** Last timestamp issued before a restart, so the clock never repeats or goes back. */
  last?: Hlc | string;
}

export class HybridClock {
  readonly node: string;
  readonly maxDriftMs: number;
  private readonly physicalNow: () => number;
  private wall: number;
  private counter: number;

  constructor(options: HybridClockOptions) {
    if (!NODE_PATTERN.test(options.node)) {
      throw new RangeError(
        `clock node id must match ${NODE_PATTERN}: ${JSON.stringify(options.node)}`,
      );
    }
    this.node = options.node;
    this.physicalNow = options.physicalNow ?? Date.now;
    this.maxDriftMs = options.maxDriftMs ?? 60_000;
    const last =
      options.last === undefined
        ? undefined
        : typeof options.last === "string"
          ? parseHlc(options.last)
          : options.last;
    this.wall = last?.wall ?? 0;
    this.counter = last?.counter ?? 0;
  }

  /** Timestamp for a local event (a write, a publish). Strictly greater than every earlier one. */
  now(): Hlc {
    const physical = this.physical();
    if (physical > this.wall) {
      this.wall = physical;
      this.counter = 0;
    } else {
      this.bumpCounter(this.counter + 1);
    }
    return this.current();
  }

  /**
   * Merges a remote timestamp (an event received) and returns a local timestamp greater
   * than both it and everything this clock issued before.
   * @throws ClockDriftError when the remote wall time is too far ahead of ours.
   */
  receive(remote: Hlc | string): Hlc {
    const other = typeof remote === "string" ? parseHlc(remote) : remote;
    const physical = this.physical();
    if (other.wall - physical > this.maxDriftMs)
      throw new ClockDriftError(other, physical, this.maxDriftMs);
    const wall = Math.max(this.wall, other.wall, physical);
    let counter: number;
    if (wall === this.wall && wall === other.wall)
      counter = Math.max(this.counter, other.counter) + 1;
    else if (wall === this.wall) counter = this.counter + 1;
    else if (wall === other.wall) counter = other.counter + 1;
    else counter = 0;
    this.wall = wall;
    this.bumpCounter(counter);
    return this.current();
  }

  /** The last timestamp issued, without advancing. */
  peek(): Hlc {
    return this.current();
  }

  private physical(): number {
    const value = Math.floor(this.physicalNow());
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`physical clock returned ${value}`);
    return value;
  }

  /** The fixed-width string form has room for 10^5 events per ms; past that, borrow the next ms. */
  private bumpCounter(counter: number): void {
    if (counter > MAX_COUNTER) {
      this.wall += 1;
      this.counter = 0;
    } else {
      this.counter = counter;
    }
  }

  private current(): Hlc {
    return { wall: this.wall, counter: this.counter, node: this.node };
  }
}
