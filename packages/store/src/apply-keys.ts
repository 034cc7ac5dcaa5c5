import { type ApiKeyState, compareHlc, type SyncEvent } from "@memoria/sync-core";
import { upsertKeyStates } from "./apikeys.js";
import type { ApplyOutcome } from "./apply-outcomes.js";
import type { StoreContext } from "./context.js";
import type { SqlClient } from "./sql.js";

export interface KeyEffect {
  event: SyncEvent;
  state: ApiKeyState;
}

/** Of two states of one key, the one that wins: a revocation always, else the later HLC. */
function better(a: KeyEffect, b: KeyEffect): KeyEffect {
  const aRevoked = a.state.revoked_at !== null;
  const bRevoked = b.state.revoked_at !== null;
  if (aRevoked !== bRevoked) return aRevoked ? a : b;
  return compareHlc(a.event.hlc, b.event.hlc) >= 0 ? a : b;
}

/**
 * Folds a batch's key events to one winner per key (the merge is order-independent, like
 * records'), writes the winners and sets each event's outcome.
 */
export async function mergeKeyEvents(
  client: SqlClient,
  ctx: StoreContext,
  effects: readonly KeyEffect[],
  outcomes: Map<string, ApplyOutcome>,
): Promise<void> {
  if (effects.length === 0) return;
  const winners = new Map<string, KeyEffect>();
  for (const effect of effects) {
    const current = winners.get(effect.state.id);
    winners.set(effect.state.id, current ? better(current, effect) : effect);
  }
  const changed = await upsertKeyStates(
    client,
    ctx,
    [...winners.values()].map(({ state, event }) => ({
      state,
      hlc: event.hlc,
      origin: event.origin,
    })),
  );
  for (const { event, state } of effects) {
    const won = winners.get(state.id)?.event.id === event.id && changed.has(state.id);
    outcomes.set(event.id, won ? "applied" : "unchanged");
  }
}
