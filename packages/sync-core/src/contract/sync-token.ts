import { compareHlc, isHlcString, parseHlc } from "../hlc.js";
import { ProblemError } from "../problem.js";
import { SYNC_TOKEN_HEADER } from "./headers.js";

/**
 * A sync token is the HLC of a write (`wallMs:counter:region`): the gateway answers every
 * write with one, and a client sends it back on a read so the router picks only a region
 * that has applied that write. The HLC's node is the region the write happened in.
 */
export interface SyncToken {
  hlc: string;
  /** The region the write was made in, which has it by definition. */
  origin: string;
}

/** The name clients and error messages use for the header. */
const DISPLAY_NAME = "Memoria-Sync-Token";

/** The token for a write's HLC; refuses anything that is not one (a bug, not client input). */
export function formatSyncToken(hlc: string): string {
  if (!isHlcString(hlc)) throw new RangeError(`not an HLC, cannot be a sync token: "${hlc}"`);
  return hlc;
}

/**
 * A client's token, or a 400 problem naming the header when it is not one a write gave:
 * not an HLC, or (given the deployment's `regions`) made in a region that does not exist.
 * A token no region could ever satisfy is the client's mistake, not an outage to retry.
 */
export function parseSyncToken(text: string, regions?: readonly string[]): SyncToken {
  if (!isHlcString(text)) {
    throw new ProblemError(400, {
      detail: `${DISPLAY_NAME} is not a sync token from a write`,
      errors: [{ field: DISPLAY_NAME, message: "must be wallMs:counter:region" }],
    });
  }
  const origin = parseHlc(text).node;
  if (regions !== undefined && !regions.includes(origin)) {
    throw new ProblemError(400, {
      detail: `${DISPLAY_NAME} names region "${origin}", which this deployment does not have`,
      errors: [{ field: DISPLAY_NAME, message: `must come from a write in ${regions.join(", ")}` }],
    });
  }
  return { hlc: text, origin };
}

/** The request's sync token, if it carries one (400 when it carries a bad one; see `parseSyncToken`). */
export function readSyncToken(headers: Headers, regions?: readonly string[]): SyncToken | null {
  const text = headers.get(SYNC_TOKEN_HEADER);
  return text === null ? null : parseSyncToken(text, regions);
}

/**
 * True when a region has applied the write behind `token`: it is the write's origin, or
 * its applied watermark for that origin (the highest HLC applied from there) is at or past it.
 */
export function hasApplied(
  region: { id: string; applied: Readonly<Record<string, string>> },
  token: SyncToken,
): boolean {
  if (region.id === token.origin) return true;
  const mark = region.applied[token.origin];
  return mark !== undefined && compareHlc(mark, token.hlc) >= 0;
}
