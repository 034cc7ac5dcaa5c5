import type { Circuit } from "./snapshot.js";

/**
 * A region's circuit breaker as a pure state machine (the health Durable Object stores
 * it and passes the clock in):
 *
 *   closed ──failure──▶ open ──cool-down──▶ half-open ──one trial──▶ closed (success)
 *                        ▲                                     └──▶ open (failure)
 *
 * Half-open is not stored: it is an open circuit whose cool-down has passed. It hands
 * out exactly one trial request; a trial that never reports back (its isolate died) is
 * handed out again after another cool-down.
 */
export interface Breaker {
  circuit: "closed" | "open";
  /** When the circuit last opened (ms), while open. */
  openedAt: number | null;
  /** When the one trial of a half-open circuit was handed out (ms), if it was. */
  trialAt: number | null;
}

export const CLOSED: Breaker = Object.freeze({ circuit: "closed", openedAt: null, trialAt: null });

/** The circuit as requests see it at `now`. */
export function circuitAt(breaker: Breaker, now: number, cooldownMs: number): Circuit {
  if (breaker.circuit === "closed") return "closed";
  return breaker.openedAt !== null && now - breaker.openedAt >= cooldownMs ? "half-open" : "open";
}

/** A request failed (verdict.ts decides which failures count), a trial included: open, cool down anew. */
export function afterFailure(_breaker: Breaker, now: number): Breaker {
  return { circuit: "open", openedAt: now, trialAt: null };
}

/** A request succeeded (or a probe found the region ready): closed. */
export function afterSuccess(_breaker: Breaker): Breaker {
  return { ...CLOSED };
}

/**
 * A probe failed: a closed circuit opens, but an open one keeps its cool-down (a probe
 * every few seconds must not postpone the trial forever).
 */
export function afterProbeFailure(breaker: Breaker, now: number): Breaker {
  return breaker.circuit === "closed" ? afterFailure(breaker, now) : breaker;
}

/**
 * Whether a request may go to the region now, and the breaker after asking: always
 * through a closed circuit, never through an open one cooling down, and through a
 * half-open one only for the first asker (its trial).
 */
export function claimTrial(
  breaker: Breaker,
  now: number,
  cooldownMs: number,
): { granted: boolean; breaker: Breaker } {
  const circuit = circuitAt(breaker, now, cooldownMs);
  if (circuit !== "half-open") return { granted: circuit === "closed", breaker };
  if (breaker.trialAt !== null && now - breaker.trialAt < cooldownMs) {
    return { granted: false, breaker };
  }
  return { granted: true, breaker: { ...breaker, trialAt: now } };
}
