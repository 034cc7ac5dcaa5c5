import { applyInTransaction, retrying } from "./apply.js";
import { isEventSpecific } from "./apply-isolate.js";
import { openForApply, unsealable } from "./apply-open.js";
import type { ApplyOutcome } from "./apply-outcomes.js";
import type { StoreContext } from "./context.js";
import {
  type ApplyFailure,
  failureOf,
  lockDeadLetter,
  recordFailedAttempt,
  removeDeadLetter,
} from "./dead-letters.js";
import { inTransaction } from "./sql.js";

export type RetryResult =
  /** Applied now, by the ordinary merge: `unchanged` when a newer state had already won. */
  | { status: "applied"; outcome: ApplyOutcome }
  /** Still cannot be applied: kept, with this error and one more attempt. */
  | { status: "failed"; error: ApplyFailure; attempts: number };

/**
 * An operator's retry of one dead letter, in one transaction: its ledger mark is lifted and
 * the event goes through the same apply as any batch (the receiver's checks with today's
 * band, last-writer-wins against what is stored now, so a newer state is never overwritten),
 * and the dead letter is removed. When it fails again, nothing of the attempt stays but the
 * new error and the attempt count. `undefined` when there is no such dead letter.
 */
export async function retryDeadLetter(
  ctx: StoreContext,
  id: string,
  receivedAt = Date.now(),
): Promise<RetryResult | undefined> {
  return retrying(() =>
    inTransaction(ctx.pool, async (client): Promise<RetryResult | undefined> => {
      const stored = await lockDeadLetter(client, ctx, id);
      if (!stored) return undefined;
      // Kept sealed as it came: it opens now if the key it needs is back.
      const [event] = (await openForApply(ctx, [stored])) as [typeof stored];
      const sealed = unsealable(event);
      if (sealed)
        return {
          status: "failed",
          error: sealed.failure,
          attempts: await recordFailedAttempt(client, ctx, id, sealed.failure),
        };
      await client.query("savepoint retry");
      try {
        await client.query(`delete from ${ctx.s}.applied_events where event_id = $1`, [id]);
        const report = await applyInTransaction(client, ctx, [event], receivedAt);
        await removeDeadLetter(client, ctx, id);
        return { status: "applied", outcome: report.outcomes.get(id) ?? "unchanged" };
      } catch (error) {
        if (!isEventSpecific(error)) throw error;
        await client.query("rollback to savepoint retry");
        const failure = failureOf(error);
        return {
          status: "failed",
          error: failure,
          attempts: await recordFailedAttempt(client, ctx, id, failure),
        };
      }
    }),
  );
}
