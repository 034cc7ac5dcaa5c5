import { PRIVACY_MAX, PRIVACY_MIN } from "./event.js";
import type { FieldError } from "./problem.js";

/**
 * A region's sync band on the privacy axis: it stores a peer's record only when
 * `floor <= y <= ceiling` (both inclusive).
 */
export interface PrivacyBand {
  floor: number;
  ceiling: number;
}

export const FULL_BAND: PrivacyBand = { floor: PRIVACY_MIN, ceiling: PRIVACY_MAX };

export type BandValidation =
  | { success: true; band: PrivacyBand }
  | { success: false; errors: FieldError[] };

/** Bounds must be numbers inside -15..15 with floor <= ceiling; anything else is a config error. */
export function validateBand(input: { floor: unknown; ceiling: unknown }): BandValidation {
  const errors: FieldError[] = [];
  const check = (field: "floor" | "ceiling", value: unknown) => {
    if (typeof value !== "number" || Number.isNaN(value))
      errors.push({ field, message: "must be a number" });
    else if (value < PRIVACY_MIN || value > PRIVACY_MAX) {
      errors.push({ field, message: `must be between ${PRIVACY_MIN} and ${PRIVACY_MAX}` });
    }
  };
  check("floor", input.floor);
  check("ceiling", input.ceiling);
  if (errors.length === 0 && (input.floor as number) > (input.ceiling as number)) {
    errors.push({ field: "ceiling", message: `must be >= floor (${input.floor})` });
  }
  return errors.length > 0
    ? { success: false, errors }
    : { success: true, band: { floor: input.floor as number, ceiling: input.ceiling as number } };
}

/**
 * Whether a record with privacy `y` may be stored under `band`. A missing, non-numeric or
 * out-of-axis y is treated as private and never is: the filter fails closed.
 */
export function inBand(band: PrivacyBand, y: number | null | undefined): boolean {
  if (typeof y !== "number" || !Number.isFinite(y)) return false;
  if (y < PRIVACY_MIN || y > PRIVACY_MAX) return false;
  return y >= band.floor && y <= band.ceiling;
}

/**
 * What a region with `band` must receive when a record's y changes from `oldY` to `newY`
 * (`oldY` undefined for a create):
 * - `"replicate"`: the new state is inside the band, send it with its content;
 * - `"redact"`: it was inside and left (public → private): send only the id, so the peer
 *   deletes its copy;
 * - `"skip"`: it is outside and was never inside: send nothing.
 */
export type ReplicationDecision = "replicate" | "redact" | "skip";

export function decideReplication(
  band: PrivacyBand,
  oldY: number | null | undefined,
  newY: number | null | undefined,
): ReplicationDecision {
  if (inBand(band, newY)) return "replicate";
  return inBand(band, oldY) ? "redact" : "skip";
}
