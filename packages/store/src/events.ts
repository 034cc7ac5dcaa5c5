import {
  classifyInbound,
  compareHlc,
  formatHlc,
  type Hlc,
  newEventId,
  parseHlc,
  type SyncAction,
  type SyncEvent,
  sealEvent,
  signEvent,
  type TransitRecipient,
  type UnsignedSyncEvent,
} from "@memoria/sync-core";
import type { StoreContext } from "./context.js";
import type { SqlClient } from "./sql.js";

/**
 * A timestamp for a local write to a record last written at `previous`: from our clock,
 * and strictly after `previous` even when that came from a peer whose clock runs ahead
 * (LWW needs the new write to win; the clock's drift guard is for what we *receive*).
 */
export function writeHlc(ctx: StoreContext, previous?: string): string {
  const mine = ctx.clock.now();
  if (previous === undefined || compareHlc(mine, previous) > 0) return formatHlc(mine);
  const before: Hlc = parseHlc(previous);
  return formatHlc({ wall: before.wall, counter: before.counter + 1, node: ctx.region });
}

export interface EventDraft {
  action: SyncAction;
  entityType: SyncEvent["entity_type"];
  entityId: string;
  hlc: string;
  privacy: number | null;
  payload?: Record<string, unknown>;
  /** The record's space (`spaceOf`): the deployment's namespace unless the record has a team. */
  space?: string;
  /** Seal the payload for exactly these regions (sealed transit); absent: it travels as it is. */
  sealFor?: readonly TransitRecipient[];
}

/**
 * Builds, signs and stores an event in the outbox, in the caller's transaction; `null`
 * when this region is not publishing (sync off or no signing key).
 */
export async function enqueueEvent(
  client: SqlClient,
  ctx: StoreContext,
  draft: EventDraft,
): Promise<SyncEvent | null> {
  if (!ctx.publishing) return null;
  const wall = parseHlc(draft.hlc).wall;
  const unsigned: UnsignedSyncEvent = {
    v: 1,
    id: newEventId(wall),
    action: draft.action,
    entity_type: draft.entityType,
    entity_id: draft.entityId,
    namespace: draft.space ?? ctx.namespace,
    origin: ctx.region,
    hlc: draft.hlc,
    privacy: draft.privacy,
    created_at: new Date(wall).toISOString(),
    ...(draft.payload ? { payload: draft.payload } : {}),
  };
  // Sealed before signing: the signature covers the sealed form peers receive.
  const body =
    draft.sealFor && unsigned.payload ? await sealEvent(unsigned, draft.sealFor) : unsigned;
  const event = await signEvent(body, ctx.keyring);
  await client.query(`insert into ${ctx.s}.outbox (event_id, body) values ($1, $2)`, [
    event.id,
    JSON.stringify(event),
  ]);
  return event;
}

/** An event as this region may keep or show it: whole, or without its content and why. */
export interface HeldEvent {
  event: SyncEvent | UnsignedSyncEvent;
  /** Set when the payload was removed: the record is outside the band, or another tenant's. */
  redacted?: "privacy" | "namespace";
}

/**
 * What this region may hold of `event`, and so what it may hand out (`/sync/events`, dead
 * letters): the receiver's own checks (`classifyInbound`) decide, exactly as when it
 * applies the event. Content it would not store — a record outside its band, another
 * tenant's — is removed, and the signature with it (it no longer matches). Its own
 * events are whole: the band governs what crosses regions.
 */
export function heldForm(
  event: SyncEvent,
  region: Pick<StoreContext, "namespace" | "region" | "band" | "spaces">,
): HeldEvent {
  if (event.payload === undefined && event.sealed === undefined) return { event };
  const verdict = classifyInbound(event, region);
  // Sealed content shows as it is only to a region it was sealed for (still sealed: whoever
  // reads this answer holds no transit key).
  const addressed = event.sealed === undefined || Object.hasOwn(event.sealed.to, region.region);
  if (
    (verdict.verdict === "apply" && addressed) ||
    (verdict.verdict === "drop" && verdict.reason === "echo")
  )
    return { event };
  const { payload: _content, sealed: _sealed, sig: _signature, ...rest } = event;
  const foreign = verdict.verdict === "drop" && verdict.reason === "namespace";
  return { event: rest, redacted: foreign ? "namespace" : "privacy" };
}
