/**
 * The counts a catch-up page answers (`POST /sync/catch-up`), defined once for the gateway
 * that fills them and the CLI that sums them. Every entry read lands in exactly one of the
 * counts after `read`:
 * - `applied`: stored here (a redacted copy included);
 * - `duplicate`: already handled here (the ledger has it);
 * - `rejected`: never stored: malformed, badly signed, or a payload that is not a record;
 * - `filtered`: outside this region's band, or another tenant's;
 * - `quarantined`: verified but not applicable: kept as a dead letter;
 * - `unchanged`: lost last-writer-wins to what is here already, or this region's own event.
 */
export const CATCH_UP_COUNTS = [
  "read",
  "applied",
  "duplicate",
  "rejected",
  "filtered",
  "quarantined",
  "unchanged",
] as const;

export type CatchUpTotals = Record<(typeof CATCH_UP_COUNTS)[number], number>;

export function zeroCatchUpTotals(): CatchUpTotals {
  return Object.fromEntries(CATCH_UP_COUNTS.map((name) => [name, 0])) as CatchUpTotals;
}
