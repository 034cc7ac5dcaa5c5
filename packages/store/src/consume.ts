import {
  type Keyring,
  parseEvent,
  type SyncEvent,
  type SyncTransport,
  type TransportMessage,
  verifyEvent,
} from "@memoria/sync-core";
import { type ApplyReport, applyEvents } from "./apply.js";
import type { StoreContext } from "./context.js";
import { addCounters, type Labels } from "./counters.js";
import { inTransaction } from "./sql.js";

export interface MessagesReport {
  /** Rejected before apply: not JSON, not a v1 event, or not signed by a key we hold. */
  rejected: number;
  apply: ApplyReport["counts"];
}

export interface ConsumeReport extends MessagesReport {
  pulled: number;
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
  const report = await applyMessages(ctx, batch.messages, keyring);
  if (batch.messages.length > 0) await transport.ack(batch.messages.map((m) => m.cursor));
  return { pulled: batch.messages.length, ...report, more: batch.more };
}

/**
 * What every reader of a transport does with what it read (the live consumer and
 * catch-up alike): parse, verify the signature, apply the good events, and count the
 * rejected ones (`sync_invalid_events_total`, `sync_bad_signature_total{reason}`).
 */
export async function applyMessages(
  ctx: StoreContext,
  messages: readonly TransportMessage[],
  keyring: Keyring,
): Promise<MessagesReport> {
  const { valid, rejections, echoes } = await checkMessages(messages, keyring, ctx.region);
  const report = await applyEvents(ctx, valid);
  report.counts.echo += echoes;
  if (rejections.length > 0) {
    await inTransaction(ctx.pool, (client) => addCounters(client, ctx.s, rejections));
    if (ctx.log.enabled("DEBUG"))
      for (const { labels } of rejections) ctx.log.debug("sync.event.rejected", labels);
  }
  return { rejected: rejections.length, apply: report.counts };
}

/**
 * Parses and verifies each entry: the events to apply (in the order read), and a counter
 * for each one refused. The signatures are checked concurrently: WebCrypto works off the
 * caller's thread, and one await per entry would leave it idle between them. Entries
 * whose origin is `self` — this region's own writes, which every region reads back from
 * the shared transport — are only counted (`echoes`): they would be dropped after the
 * check anyway, so neither their signature nor the ledger is worth a cycle.
 */
export async function checkMessages(
  messages: readonly TransportMessage[],
  keyring: Keyring,
  self?: string,
): Promise<{
  valid: SyncEvent[];
  rejections: Array<{ name: string; labels: Labels }>;
  echoes: number;
}> {
  const checked = await Promise.all(
    messages.map((message) => checkMessage(message, keyring, self)),
  );
  const valid: SyncEvent[] = [];
  const rejections: Array<{ name: string; labels: Labels }> = [];
  let echoes = 0;
  for (const outcome of checked) {
    if (outcome === "echo") echoes++;
    else if ("event" in outcome) valid.push(outcome.event);
    else rejections.push(outcome.rejection);
  }
  return { valid, rejections, echoes };
}

async function checkMessage(
  message: TransportMessage,
  keyring: Keyring,
  self: string | undefined,
): Promise<{ event: SyncEvent } | { rejection: { name: string; labels: Labels } } | "echo"> {
  const parsed = parseEvent(message.body);
  if (!parsed.success)
    return {
      rejection: {
        name: "sync_invalid_events_total",
        labels: { origin: "unknown", reason: "malformed" },
      },
    };
  if (parsed.data.origin === self) return "echo";
  const check = await verifyEvent(parsed.data, keyring);
  if (!check.ok)
    return {
      rejection: {
        name: "sync_bad_signature_total",
        labels: { origin: parsed.data.origin, reason: check.reason },
      },
    };
  return { event: parsed.data };
}
