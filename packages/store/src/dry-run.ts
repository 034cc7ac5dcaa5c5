import type { Keyring, SyncEvent, TransportMessage } from "@memoria/sync-core";
import { type ApplyReport, applyInTransaction, retrying } from "./apply.js";
import { isEventSpecific, isolateFailures } from "./apply-isolate.js";
import { openForApply } from "./apply-open.js";
import { checkMessages, type MessagesReport } from "./consume.js";
import type { StoreContext } from "./context.js";
import { type SqlClient, withClient } from "./sql.js";

/**
 * `catch-up --dry-run`: what `applyMessages` would do with these entries, keeping none of
 * it. The live apply runs in a transaction that is always rolled back, so each verdict is
 * the live path's own (ledger, the receiver's namespace and band, last-writer-wins, the
 * quarantine of an event that fails alone), not a second classifier that could drift from
 * it. Nothing commits: no record, ledger row, dead letter, watermark or counter. Only the
 * region's clock may move forward to the events' HLCs, as merely receiving them would.
 */
export async function classifyMessages(
  ctx: StoreContext,
  messages: readonly TransportMessage[],
  keyring: Keyring,
): Promise<MessagesReport> {
  const { valid, rejections, echoes } = await checkMessages(messages, keyring, ctx.region);
  const opened = await openForApply(ctx, valid);
  const report = await retrying(() =>
    withClient(ctx.pool, (client) => applyRolledBack(client, ctx, opened)),
  );
  report.counts.echo += echoes;
  return { rejected: rejections.length, apply: report.counts };
}

async function applyRolledBack(
  client: SqlClient,
  ctx: StoreContext,
  events: readonly SyncEvent[],
): Promise<ApplyReport> {
  const receivedAt = Date.now();
  await client.query("begin isolation level read committed");
  try {
    await client.query("savepoint dry_run");
    try {
      return await applyInTransaction(client, ctx, events, receivedAt);
    } catch (error) {
      if (events.length === 0 || !isEventSpecific(error)) throw error;
      // As `applyEvents` does: the batch again with the failing events found and quarantined.
      await client.query("rollback to savepoint dry_run");
      return (await isolateFailures(client, ctx, events, receivedAt, applyInTransaction)).report;
    }
  } finally {
    await client.query("rollback");
  }
}
