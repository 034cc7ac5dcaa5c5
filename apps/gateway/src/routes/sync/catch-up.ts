import { ProblemError, storableTime } from "@memoria/sync-core";
import type { Hono } from "hono";
import { z } from "zod";
import { type HonoEnv, json } from "../../app.js";
import { jsonBody } from "../../validate.js";

const catchUpBody = z.strictObject({
  since: storableTime,
  limit: z.number().int().min(1).max(10_000).default(5_000),
});

/**
 * `POST /sync/catch-up` (`memoria sync catch-up --since T`): re-read everything published
 * since T and apply it here, through the same parse → verify → apply → count path as the
 * live consumer (`store.applyMessages`). The ledger makes it safe to overlap what was
 * already applied. Counts: `applied`, `duplicate` (already handled here), `rejected`
 * (malformed or badly signed, never stored), `filtered` (outside the band or another
 * tenant's), `quarantined` (verified but not applicable: see `GET /admin/dead-letters`).
 */
export function registerCatchUp(app: Hono<HonoEnv>): void {
  app.post("/sync/catch-up", async (c) => {
    const { transport, keyring, store } = c.get("services");
    if (!transport || !keyring)
      throw new ProblemError(409, { detail: "sync is off or unsigned in this region" });
    const body = await jsonBody(c, catchUpBody);
    let after: string | undefined;
    const totals = { read: 0, rejected: 0, applied: 0, duplicate: 0, filtered: 0, quarantined: 0 };
    while (totals.read < body.limit) {
      const batch = await transport.replaySince(Date.parse(body.since), {
        limit: Math.min(500, body.limit - totals.read),
        ...(after ? { after } : {}),
      });
      const report = await store.applyMessages(batch.messages, keyring);
      totals.read += batch.messages.length;
      totals.rejected += report.rejected;
      totals.applied += report.apply.applied;
      totals.duplicate += report.apply.duplicate;
      totals.filtered += report.apply["privacy-filtered"] + report.apply.namespace;
      // An event that cannot be applied is kept as a dead letter; the replay goes on without it.
      totals.quarantined += report.apply.quarantined;
      after = batch.messages.at(-1)?.cursor;
      if (!batch.more || !after) break;
    }
    return json(200, totals);
  });
}
