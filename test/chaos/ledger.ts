import type { RegionName, WriteKind } from "./plan.js";

/** What the clients saw: every acknowledged write with the region's answer, and what went wrong. */

/** A record as a region answered a write (this API's field names). */
export interface Answered {
  text: string;
  x: number;
  y: number;
  z: number;
  anchor: string;
  hlc: string;
  /** The HLC at which x was last set, when the gateway exposes it. */
  x_hlc?: string;
}

export interface Ack {
  /** `c<client>#<op>`: which planned operation. */
  op: string;
  kind: WriteKind;
  region: RegionName;
  id: string;
  /** The write's HLC (its `sync_token`). */
  hlc: string;
  /** The x this write set explicitly: a create's x, an x update's. */
  setsX?: number;
  /** The record as the region answered (none for a delete). */
  memory?: Answered;
}

/** An answer nobody should get: a 5xx other than a 503, or a 400 to a well-formed request. */
export interface Unexpected {
  op: string;
  method: string;
  path: string;
  status: number;
  detail: string;
}

export class Ledger {
  readonly acks: Ack[] = [];
  /** Ids of acknowledged creates, the pool updates and reads pick from. */
  readonly known: string[] = [];
  /**
   * Records a write may have reached without an answer (the connection dropped with the
   * region mid-request): which write won is unknowable, so only the checks that do not
   * depend on it (leaks, resurrections, divergence) apply to them.
   */
  readonly tainted = new Set<string>();
  /** Texts of creates without an Idempotency-Key that may have been stored unanswered. */
  readonly orphanTexts = new Set<string>();
  readonly unexpected: Unexpected[] = [];
  /** Outcome counts by name (`ack`, `not-found`, `unavailable`, `read-200`, …). */
  readonly outcomes = new Map<string, number>();
  operations = 0;
  completed = 0;

  ack(entry: Ack): void {
    this.acks.push(entry);
    if (entry.kind === "create" && !this.known.includes(entry.id)) this.known.push(entry.id);
  }

  count(outcome: string): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  /** A known record id for `pick` in [0, 1), if any is known. */
  pick(pick: number): string | undefined {
    if (this.known.length === 0) return undefined;
    return this.known[Math.floor(pick * this.known.length)];
  }
}
