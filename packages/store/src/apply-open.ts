import { openEvent, type SyncEvent } from "@memoria/sync-core";
import type { StoreContext } from "./context.js";
import type { ApplyFailure } from "./dead-letters.js";

/**
 * What opening a sealed event told the receiver, kept beside the event object through the
 * apply (the planner reads it): `unaddressed` — not sealed for this region, which the
 * sender judged outside its band or spaces, so it is a redaction here; `unsealable` — sealed
 * for this region but it does not open (a key dropped too early, or altered bytes): it is
 * kept as a dead letter, sealed as it came, so a retry once the key is back opens it.
 */
type SealNote =
  | { kind: "unaddressed" }
  | { kind: "unsealable"; original: SyncEvent; failure: ApplyFailure };
const notes = new WeakMap<SyncEvent, SealNote>();

export function sealNoteOf(event: SyncEvent): SealNote | undefined {
  return notes.get(event);
}

/** The event as it arrived and why it does not open, when it is sealed for this region and does not. */
export function unsealable(
  event: SyncEvent,
): { original: SyncEvent; failure: ApplyFailure } | undefined {
  const note = notes.get(event);
  return note?.kind === "unsealable" ? note : undefined;
}

/**
 * The batch with each sealed event opened with this region's transit keys, before the
 * apply transaction (the crypto runs concurrently and holds no connection). Events not
 * sealed pass through as they are.
 */
export async function openForApply(
  ctx: StoreContext,
  events: readonly SyncEvent[],
): Promise<SyncEvent[]> {
  if (!events.some((event) => event.sealed !== undefined)) return [...events];
  return Promise.all(events.map((event) => openOne(ctx, event)));
}

async function openOne(ctx: StoreContext, event: SyncEvent): Promise<SyncEvent> {
  if (event.sealed === undefined) return event;
  const opened = ctx.transitKeyring
    ? await openEvent(event, ctx.transitKeyring)
    : ({ ok: false, reason: "not-addressed" } as const);
  if (opened.ok) return opened.event;
  const { sealed: _sealed, ...withoutContent } = event;
  if (opened.reason === "not-addressed") {
    notes.set(withoutContent, { kind: "unaddressed" });
  } else {
    const fix =
      opened.reason === "unknown-key"
        ? "keep a transit key in sync.transit_keys until no event sealed for it can arrive; put it back and retry the dead letter"
        : "the sealed content does not open with this region's key: check the region table's transit_key for this region";
    notes.set(withoutContent, {
      kind: "unsealable",
      original: event,
      failure: { message: `sealed content does not open (${opened.reason}): ${fix}`, code: null },
    });
    ctx.log.error("sync.event.unsealable", {
      event_id: event.id,
      origin: event.origin,
      reason: opened.reason,
      keys: ctx.transitKeyring?.ids ?? [],
      fix,
    });
  }
  return withoutContent;
}
