import type { RegionName } from "./plan.js";

/** The chaos deployment's fixed facts, shared by the world, the clients and the checker. */

export const API_KEY = "chaos-api-key-0123456789abcdef";
/** Each region's sync band. B's lies inside A's, so a y in B's band is shared by both. */
export const BANDS: Record<RegionName, { floor: number; ceiling: number }> = {
  a: { floor: -15, ceiling: 15 },
  b: { floor: 0, ceiling: 12 },
};
export const REGION_ID: Record<RegionName, string> = { a: "region-a", b: "region-b" };
