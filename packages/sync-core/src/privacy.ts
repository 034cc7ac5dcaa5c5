import { PRIVACY_MAX, PRIVACY_MIN } from "./event.js";

/**
 * A region's sync band on the privacy axis: it stores a peer's record only when
 * `floor <= y <= ceiling` (both inclusive).
 */
export interface PrivacyBand {
  floor: number;
  ceiling: number;
}

export const FULL_BAND: PrivacyBand = { floor: PRIVACY_MIN, ceiling: PRIVACY_MAX };

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
