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
