import {
  type Keyring,
  parseEvent,
  type SyncEvent,
  type SyncTransport,
  verifyEvent,
} from "@memoria/sync-core";
import { type ApplyReport, applyEvents } from "./apply.js";
import type { StoreContext } from "./context.js";
import { addCounters, type Labels } from "./counters.js";
import { inTransaction } from "./sql.js";

export interface ConsumeReport {
  pulled: number;
  /** Rejected before apply: not JSON, not a v1 event, or not signed by a key we hold. */
  rejected: number;
  apply: ApplyReport["counts"];
  /** More entries were waiting than the limit took. */
  more: boolean;
}

/**
 * One consumer step: pull from the region's durable cursor, check each entry, apply the
 * good ones in one transaction, and only then ack everything pulled. A crash before the
 * ack means redelivery, which the ledger absorbs. Entries that can never become valid
 * (malformed, bad signature) are counted and acked so they do not block the stream.
 */
export async function consumeOnce(
  ctx: StoreContext,
  transport: SyncTransport,
  keyring: Keyring,
  limit = 200,
): Promise<ConsumeReport> {
  const batch = await transport.pull(limit);
  const valid: SyncEvent[] = [];
  const rejections: Array<{ name: string; labels: Labels }> = [];
  for (const message of batch.messages) {
    const parsed = parseEvent(message.body);
    if (!parsed.success) {
      rejections.push({
        name: "sync_invalid_events_total",
        labels: { origin: "unknown", reason: "malformed" },
      });
      continue;
    }
    const check = await verifyEvent(parsed.data, keyring);
    if (!check.ok) {
      rejections.push({
        name: "sync_bad_signature_total",
        labels: { origin: parsed.data.origin, reason: check.reason },
      });
      continue;
    }
    valid.push(parsed.data);
  }
  const report = await applyEvents(ctx, valid);
  if (rejections.length > 0)
    await inTransaction(ctx.pool, (client) => addCounters(client, ctx.s, rejections));
  if (batch.messages.length > 0) await transport.ack(batch.messages.map((m) => m.cursor));
  return {
    pulled: batch.messages.length,
    rejected: rejections.length,
    apply: report.counts,
    more: batch.more,
  };
}
