import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { afterFailure, type Breaker, CLOSED, circuitAt } from "./breaker.js";
import { judge, NO_CHARGES, type Outcome, type Step, type Tally } from "./verdict.js";

const REGIONS = ["us", "eu", "ap"] as const;
const COOLDOWN = 10_000;
const T0 = 1_700_000_000_000;

/** Follows the verdicts through the candidates as proxy.ts does; which regions were tried and charged. */
function trip(
  outcomes: Outcome[],
  retriable: boolean,
): { tally: Tally; tried: number; last: Step | "exhausted" } {
  let tally = NO_CHARGES;
  for (let i = 0; i < outcomes.length; i++) {
    const verdict = judge(tally, REGIONS[i] as string, outcomes[i] as Outcome, retriable);
    tally = verdict.tally;
    if (verdict.step !== "next") return { tally, tried: i + 1, last: verdict.step };
  }
  return { tally, tried: outcomes.length, last: "exhausted" };
}

/** Every region's breaker after a run of requests (one ms apart), each charging `charged`. */
function breakersAfter(charges: string[][]): Map<string, Breaker> {
  const breakers = new Map<string, Breaker>(REGIONS.map((id) => [id, CLOSED]));
  charges.forEach((charged, i) => {
    for (const id of charged) breakers.set(id, afterFailure(breakers.get(id) as Breaker, T0 + i));
  });
  return breakers;
}

const status = (low: number, high: number) =>
  fc.integer({ min: low, max: high }).map((s): Outcome => ({ kind: "answer", status: s }));
const anyOutcome: fc.Arbitrary<Outcome> = fc.oneof(
  status(200, 599),
  fc.constant<Outcome>({ kind: "unreachable" }),
);
/** What each region would make of one request, in the order they are tried. */
const outcomesOf = (outcome: fc.Arbitrary<Outcome>) =>
  fc.array(outcome, { minLength: 1, maxLength: REGIONS.length });

describe("what counts against a region", () => {
  it("serves a 4xx as it is and charges nobody", () => {
    for (const s of [400, 401, 404, 409, 413, 415, 422, 429]) {
      expect(trip([{ kind: "answer", status: s }], true)).toEqual({
        tally: NO_CHARGES,
        tried: 1,
        last: "serve",
      });
    }
  });

  it("sends a 421 (a team space the region does not serve) on to the next region, charging nobody", () => {
    for (const retriable of [true, false]) {
      expect(
        trip(
          [
            { kind: "answer", status: 421 },
            { kind: "answer", status: 200 },
          ],
          retriable,
        ),
      ).toEqual({
        tally: NO_CHARGES,
        tried: 2,
        last: "serve",
      });
      // None left: the 421 itself is the answer (proxy.ts keeps it).
      expect(trip([{ kind: "answer", status: 421 }], retriable)).toEqual({
        tally: NO_CHARGES,
        tried: 1,
        last: "exhausted",
      });
    }
  });

  it("charges a region that did not answer, and goes on only if the request may be retried", () => {
    const unreachable: Outcome = { kind: "unreachable" };
    expect(trip([unreachable, { kind: "answer", status: 200 }], true)).toEqual({
      tally: { charged: ["us"], suspect: null },
      tried: 2,
      last: "serve",
    });
    expect(trip([unreachable, { kind: "answer", status: 200 }], false)).toEqual({
      tally: { charged: ["us"], suspect: null },
      tried: 1,
      last: "refuse",
    });
  });

  it("charges a 5xx once another region answers the same request below 500", () => {
    expect(
      trip(
        [
          { kind: "answer", status: 500 },
          { kind: "answer", status: 201 },
        ],
        true,
      ),
    ).toEqual({ tally: { charged: ["us"], suspect: null }, tried: 2, last: "serve" });
    // A 4xx from the next region shows it working just as well.
    expect(
      trip(
        [
          { kind: "answer", status: 503 },
          { kind: "answer", status: 404 },
        ],
        true,
      ).tally.charged,
    ).toEqual(["us"]);
  });

  it("stops at the second 5xx for the same request, answers it and charges neither", () => {
    expect(
      trip(
        [
          { kind: "answer", status: 500 },
          { kind: "answer", status: 500 },
          { kind: "answer", status: 200 },
        ],
        true,
      ),
    ).toEqual({ tally: NO_CHARGES, tried: 2, last: "serve" });
  });

  it("keeps a lone 5xx uncharged when no region is left to compare with", () => {
    expect(trip([{ kind: "answer", status: 500 }], true)).toEqual({
      tally: { charged: [], suspect: "us" },
      tried: 1,
      last: "exhausted",
    });
    expect(trip([{ kind: "answer", status: 500 }, { kind: "unreachable" }], true)).toEqual({
      tally: { charged: ["eu"], suspect: "us" },
      tried: 2,
      last: "exhausted",
    });
  });

  it("hands a write that may not go elsewhere its region's 5xx, uncharged", () => {
    expect(trip([{ kind: "answer", status: 500 }], false)).toEqual({
      tally: NO_CHARGES,
      tried: 1,
      last: "serve",
    });
  });
});

describe("invariants (fast-check)", () => {
  it("no sequence of 4xx answers ever opens a circuit", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(outcomesOf(status(400, 499)), fc.boolean()), { maxLength: 50 }),
        (requests) => {
          const charges = requests.map(([outcomes, retriable]) => {
            const result = trip(outcomes, retriable);
            // Only a 421 (misdirected) sends it on; the first other 4xx is the answer.
            const served = outcomes.findIndex((o) => o.kind === "answer" && o.status !== 421);
            expect(result.tried).toBe(served === -1 ? outcomes.length : served + 1);
            return result.tally.charged;
          });
          for (const breaker of breakersAfter(charges).values()) {
            expect(circuitAt(breaker, T0 + charges.length, COOLDOWN)).toBe("closed");
          }
        },
      ),
    );
  });

  it("requests every region answers 5xx open no circuit, however many there are", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(outcomesOf(status(500, 599)), fc.boolean()), { maxLength: 50 }),
        (requests) => {
          const charges = requests.map(([outcomes, retriable]) => {
            const result = trip(outcomes, retriable);
            // At most two regions see such a request: the first 5xx and the one that confirms it.
            expect(result.tried).toBeLessThanOrEqual(2);
            return result.tally.charged;
          });
          for (const breaker of breakersAfter(charges).values()) {
            expect(circuitAt(breaker, T0 + charges.length, COOLDOWN)).toBe("closed");
          }
        },
      ),
    );
  });

  it("charges only regions that did not answer, or answered 5xx where a later one did better", () => {
    fc.assert(
      fc.property(outcomesOf(anyOutcome), fc.boolean(), (outcomes, retriable) => {
        const { tally, tried } = trip(outcomes, retriable);
        const seen = outcomes.slice(0, tried);
        const servedBelow500 = seen.some((o) => o.kind === "answer" && o.status < 500);
        for (const id of tally.charged) {
          const outcome = seen[REGIONS.indexOf(id as (typeof REGIONS)[number])] as Outcome;
          if (outcome.kind === "answer") {
            expect(outcome.status).toBeGreaterThanOrEqual(500);
            expect(servedBelow500).toBe(true);
          }
        }
        // A region that answered below 500 is never charged, and nobody is charged twice.
        seen.forEach((o, i) => {
          if (o.kind === "answer" && o.status < 500)
            expect(tally.charged).not.toContain(REGIONS[i]);
        });
        expect(new Set(tally.charged).size).toBe(tally.charged.length);
        // At most one region is charged for a 5xx per request.
        const charged5xx = tally.charged.filter(
          (id) => seen[REGIONS.indexOf(id as (typeof REGIONS)[number])]?.kind === "answer",
        );
        expect(charged5xx.length).toBeLessThanOrEqual(1);
      }),
    );
  });
});
