import { eligibleRecipients, inBand, type TransitRecipient } from "@memoria/sync-core";
import type { StoreContext } from "./context.js";

/**
 * Whether a record's content leaves this region, and sealed for whom. It leaves when its y
 * is inside this region's band and, with sealed transit, some peer may store it (its band
 * admits y, it serves the team, it has a key): content no peer may hold never reaches the
 * shared transport at all. Sealed, it is readable by those peers and this region only.
 */
export function contentRoute(
  ctx: StoreContext,
  y: number | null,
  team: string | null | undefined,
): { leaves: false } | { leaves: true; sealFor?: TransitRecipient[] } {
  if (!inBand(ctx.band, y)) return { leaves: false };
  if (ctx.transit.mode === "clear") return { leaves: true };
  const peers = eligibleRecipients(ctx.transit, y, team);
  if (peers.length === 0) return { leaves: false };
  return { leaves: true, sealFor: ctx.transit.self ? [...peers, ctx.transit.self] : peers };
}
