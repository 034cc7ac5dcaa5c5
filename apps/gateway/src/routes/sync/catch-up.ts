import type { MessagesReport } from "@memoria/store";
import {
  type CatchUpTotals,
  ProblemError,
  type SyncTransport,
  storableTime,
  zeroCatchUpTotals,
} from "@memoria/sync-core";
import type { Hono } from "hono";
import { z } from "zod";
import { type HonoEnv, json } from "../../app.js";
import { jsonBody } from "../../validate.js";

/** Entries read and applied per transaction: what one `applyMessages` call takes. */
const CHUNK = 500;
/**
 * A request stops after the chunk that crosses this much wall time, whatever `limit`
 * says, and answers `done: false` with its cursor: each request stays well inside a
 * Worker's limits however slow the store is, and the caller asks for the next page.
 */
const BUDGET_MS = 10_000;

export const catchUpBody = z.strictObject({
  since: storableTime,
  /** The `next` of the previous page: continue after it. */
  after: z.string().min(1).max(128).optional(),
  /** Most entries this request reads (a page); the caller pages with `after` until `done`. */
  limit: z.number().int().min(1).max(5_000).default(1_000),
  /** Classify what would happen (`store.classifyMessages`) and keep nothing. */
  dry_run: z.boolean().default(false),
  /** Also answer `total`: about how many entries the transport holds since `since`. */
  estimate: z.boolean().default(false),
});

export interface CatchUpPage extends CatchUpTotals {
  /** Pass as `after` for the next page; `null` only when nothing was read and no `after` given. */
  next: string | null;
  /** True when the transport held nothing more since `since` at the time of reading. */
  done: boolean;
  dry_run: boolean;
  /** Present when `estimate` was asked: `null` when the transport cannot tell cheaply. */
  total?: { count: number; exact: boolean } | null;
}

/**
 * `POST /sync/catch-up` (`memoria sync catch-up --since T`): re-read ONE PAGE of what was
 * published since T (after `after`) and apply it here, through the same parse → verify →
 * apply → count path as the live consumer (`store.applyMessages`); the ledger makes
 * overlap with what was already applied harmless. The caller pages with `next` until
 * `done`, so a backlog of any size is replayed in requests that each stay bounded
 * (`limit`, `BUDGET_MS`); the newest events are reached, not cut off by a cap.
 */
export function registerCatchUp(app: Hono<HonoEnv>): void {
  app.post("/sync/catch-up", async (c) => {
    const { transport, keyring, store } = c.get("services");
    if (!transport || !keyring)
      throw new ProblemError(409, { detail: "sync is off or unsigned in this region" });
    const body = await jsonBody(c, catchUpBody);
    const since = Date.parse(body.since);
    const total = body.estimate ? { total: await estimate(transport, since) } : {};
    const apply = body.dry_run ? store.classifyMessages : store.applyMessages;
    const totals = zeroCatchUpTotals();
    const started = Date.now();
    let after = body.after;
    let done = false;
    while (totals.read < body.limit && Date.now() - started < BUDGET_MS) {
      const batch = await replay(
        transport,
        since,
        after,
        Math.min(CHUNK, body.limit - totals.read),
      );
      tally(totals, batch.messages.length, await apply(batch.messages, keyring));
      after = batch.messages.at(-1)?.cursor ?? after;
      done = !batch.more;
      if (done) break;
    }
    const page: CatchUpPage = {
      ...totals,
      next: after ?? null,
      done,
      dry_run: body.dry_run,
      ...total,
    };
    return json(200, page);
  });
}

function replay(transport: SyncTransport, since: number, after: string | undefined, limit: number) {
  return transport.replaySince(since, { limit, ...(after ? { after } : {}) }).catch((error) => {
    // Each transport refuses a cursor it did not make with a TypeError, before any I/O.
    if (after && error instanceof TypeError)
      throw new ProblemError(400, {
        detail: error.message,
        errors: [{ field: "after", message: "not a cursor from this transport" }],
      });
    throw error;
  });
}

async function estimate(
  transport: SyncTransport,
  since: number,
): Promise<{ count: number; exact: boolean } | null> {
  if (!transport.countSince) return null;
  // Only for a progress bar: a transport that cannot count now must not fail the catch-up.
  return transport.countSince(since).catch(() => null);
}

/** Folds the store's outcomes into the page's counts (each outcome into exactly one). */
function tally(totals: CatchUpTotals, read: number, report: MessagesReport): void {
  const a = report.apply;
  totals.read += read;
  totals.applied += a.applied + a.redacted;
  totals.duplicate += a.duplicate;
  totals.rejected += report.rejected + a["invalid-payload"];
  totals.filtered += a["privacy-filtered"] + a.namespace;
  // An event that cannot be applied is kept as a dead letter; the replay goes on without it.
  totals.quarantined += a.quarantined;
  totals.unchanged += a.unchanged + a.echo;
}
