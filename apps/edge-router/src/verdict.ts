/**
 * Which regions a request's outcomes count against, and whether to try the next region:
 * pure, so every rule is tested in-process (verdict.test.ts); proxy.ts only follows it.
 *
 * - A region that did not answer (its connection failed, also when sent again, or it timed
 *   out) failed: charged at once.
 * - Any answer below 500 is the region working, whatever it says about the request: a 4xx
 *   never charges a region. A 421 (Misdirected Request: the region does not serve the
 *   request's team space, and did nothing) sends the request on to the next region,
 *   charging no one; if none is left, the 421 is the answer.
 * - A 5xx is a suspicion, not proof: the request itself (a crafted body that trips a bug
 *   in every region) may be at fault. It is charged only once another region answers the
 *   same request below 500. A second 5xx for the same request ends the trip with that
 *   answer and charges neither: the request, not the regions, is the common factor.
 *
 * Invariant: a request that no region answers below 500 charges only regions that did not
 * answer at all. So any number of requests answered 5xx by every region opens no circuit.
 */

export type Outcome = { kind: "answer"; status: number } | { kind: "unreachable" };

export interface Tally {
  /** Regions whose breaker records a failure, in the order they were charged. */
  charged: string[];
  /** The region whose 5xx waits for another region to show the fault was its own. */
  suspect: string | null;
}

/**
 * - `serve`: send this answer to the client;
 * - `next`: try the next candidate (if none is left: the suspect's 5xx, else a 503);
 * - `refuse`: the request may not go to another region: answer 503.
 */
export type Step = "serve" | "next" | "refuse";

export const NO_CHARGES: Tally = Object.freeze({ charged: [], suspect: null });

/** The tally and the next step after `region`'s outcome; `retriable`: the plan's verdict on the request. */
export function judge(
  tally: Tally,
  region: string,
  outcome: Outcome,
  retriable: boolean,
): { tally: Tally; step: Step } {
  if (outcome.kind === "unreachable") {
    return {
      tally: { ...tally, charged: [...tally.charged, region] },
      step: retriable ? "next" : "refuse",
    };
  }
  if (outcome.status === 421) return { tally, step: "next" };
  if (outcome.status < 500) {
    const charged = tally.suspect === null ? tally.charged : [...tally.charged, tally.suspect];
    return { tally: { charged, suspect: null }, step: "serve" };
  }
  // A second 5xx for the same request: the request is the suspect now; nobody is charged.
  if (tally.suspect !== null) return { tally: { ...tally, suspect: null }, step: "serve" };
  // A write that may not be sent elsewhere gets the region's own answer, uncharged.
  if (!retriable) return { tally, step: "serve" };
  return { tally: { ...tally, suspect: region }, step: "next" };
}
