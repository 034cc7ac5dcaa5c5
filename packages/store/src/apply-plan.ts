import {
  type ClockDriftError,
  classifyInbound,
  type DecrementMark,
  eventEffect,
  type InboundVerdict,
  type SyncEvent,
  spaceOf,
} from "@memoria/sync-core";
import { keyStateOf } from "./apikeys.js";
import type { KeyEffect } from "./apply-keys.js";
import { sealNoteOf } from "./apply-open.js";
import type { ApplyOutcome } from "./apply-outcomes.js";
import { type RecordEffect, recordKey } from "./apply-records.js";
import type { StoreContext } from "./context.js";
import { memorySnapshotSchema } from "./memory.js";

/** Outcomes of events this region dropped unseen. */
export const DROPPED: ReadonlySet<ApplyOutcome> = new Set(["namespace", "echo"]);

export interface Plan {
  outcomes: Map<string, ApplyOutcome>;
  records: Map<string, RecordEffect[]>;
  marks: Array<{ event: SyncEvent; mark: DecrementMark }>;
  keys: KeyEffect[];
}

/** The receiver's own checks on each claimed event, and what each asks to change. */
export function planEffects(ctx: StoreContext, events: readonly SyncEvent[]): Plan {
  const plan: Plan = { outcomes: new Map(), records: new Map(), marks: [], keys: [] };
  const self = { namespace: ctx.namespace, region: ctx.region, band: ctx.band, spaces: ctx.spaces };
  for (const received of events) {
    const verdict = withSeal(classifyInbound(received, self), received);
    if (verdict.verdict === "drop") {
      plan.outcomes.set(received.id, verdict.reason);
      continue;
    }
    if (verdict.verdict === "unsealable") {
      // Kept as a dead letter (`applyInTransaction`), sealed as it came.
      plan.outcomes.set(received.id, "quarantined");
      continue;
    }
    // Records live in the deployment's namespace whatever space their events travel in.
    const event =
      received.namespace === ctx.namespace ? received : { ...received, namespace: ctx.namespace };
    receiveClock(ctx, event.hlc);
    if (event.entity_type === "apikey") {
      const state = keyStateOf(event);
      if (state) plan.keys.push({ event, state });
      else plan.outcomes.set(event.id, "invalid-payload");
      continue;
    }
    const redact = verdict.verdict === "redact";
    const effect = eventEffect(event, redact);
    if (effect.kind === "decrement") {
      plan.marks.push({ event, mark: effect.mark });
    } else if (effect.kind === "record") {
      const state = withSnapshot(effect.state, event);
      if (!state || !inItsSpace(ctx, state, received.namespace)) {
        plan.outcomes.set(event.id, "invalid-payload");
        continue;
      }
      const key = recordKey(state.namespace, state.id);
      const reason = verdict.verdict === "redact" ? { reason: verdict.reason } : {};
      plan.records.set(key, [
        ...(plan.records.get(key) ?? []),
        { event, state, redact, ...reason },
      ]);
    } else {
      plan.outcomes.set(event.id, "unchanged");
    }
  }
  return plan;
}

/**
 * The receiver's verdict with what opening told it: content not sealed for this region is
 * a redaction here (the sender found it outside this region's band or spaces), and content
 * that does not open is refused.
 */
function withSeal(
  verdict: InboundVerdict,
  event: SyncEvent,
): InboundVerdict | { verdict: "unsealable" } {
  const note = sealNoteOf(event);
  if (note === undefined || verdict.verdict !== "apply") return verdict;
  return note.kind === "unaddressed"
    ? { verdict: "redact", reason: "privacy" }
    : { verdict: "unsealable" };
}

/** A team's record must travel in its team's space: content sent in another space is refused. */
function inItsSpace(ctx: StoreContext, state: RecordEffect["state"], space: string): boolean {
  if (state.status !== "live") return true;
  const team = (state.data as { team?: string | null } | null)?.team ?? null;
  return spaceOf(ctx.namespace, ctx.spaces.prefix, team) === space;
}

/** A live state carries the event's payload checked as a whole snapshot; `undefined` when it is not one. */
function withSnapshot(
  state: RecordEffect["state"],
  event: SyncEvent,
): RecordEffect["state"] | undefined {
  if (state.status !== "live") return state;
  const parsed = memorySnapshotSchema.safeParse({
    ...event.payload,
    id: event.entity_id,
    namespace: event.namespace,
    y: event.privacy,
  });
  return parsed.success ? { ...state, data: { ...parsed.data } } : undefined;
}

function receiveClock(ctx: StoreContext, hlc: string): void {
  try {
    ctx.clock.receive(hlc);
  } catch (error) {
    // A peer clock too far ahead must not drag ours along; the event still applies by its HLC.
    if ((error as ClockDriftError).name !== "ClockDriftError") throw error;
  }
}
