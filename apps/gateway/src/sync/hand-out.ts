import { type HeldEvent, heldForm, type StoreContext } from "@memoria/store";
import { parseEvent } from "@memoria/sync-core";

/** A transport entry as a region hands it out: the event, or as much of it as the region may hold. */
export interface HandedOut {
  event: HeldEvent["event"] | null;
  /** Why content was left out: outside this region's band, another tenant's, or not a v1 event at all. */
  redacted?: HeldEvent["redacted"] | "malformed";
}

/**
 * What `GET /sync/events` shows of one entry: only what this region may store itself. The
 * transport is shared, so it carries every peer's records whatever this region's band;
 * the receiver's own checks (`heldForm`, the apply path's `classifyInbound`) strip the
 * content of the rest. An entry that is not a valid event shows nothing (it is still
 * listed, with its cursor): nothing vouches for what it would reveal.
 */
export function handOut(
  body: string,
  region: Pick<StoreContext, "namespace" | "region" | "band" | "spaces">,
): HandedOut {
  const parsed = parseEvent(body);
  if (!parsed.success) return { event: null, redacted: "malformed" };
  return heldForm(parsed.data, region);
}
