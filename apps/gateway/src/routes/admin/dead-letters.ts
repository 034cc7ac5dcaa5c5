import { isEventId, ProblemError } from "@memoria/sync-core";
import type { Hono } from "hono";
import { z } from "zod";
import { type HonoEnv, json } from "../../app.js";
import { parseWith } from "../../validate.js";

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const eventIdParam = z.object({
  id: z.string().refine(isEventId, { error: "must be an event id (a UUIDv7 or a ULID)" }),
});

/**
 * Dead letters: verified peer events this region could not apply, kept with their error
 * while the stream went on (`store/src/apply-isolate.ts`). The operator lists them, retries
 * one once the cause is fixed (the ordinary merge: a newer state is never overwritten), or
 * discards it. Each shows only what this region may hold (no content outside its band).
 */
export function registerDeadLetterRoutes(app: Hono<HonoEnv>): void {
  app.get("/admin/dead-letters", async (c) => {
    const { limit } = parseWith(listQuery, c.req.query(), "query");
    const { store } = c.get("services");
    const [letters, waiting] = await Promise.all([
      store.listDeadLetters(limit),
      store.countDeadLetters(),
    ]);
    return json(
      200,
      { dead_letters: letters, count: waiting.count },
      { "cache-control": "no-store" },
    );
  });

  app.post("/admin/dead-letters/:id/retry", async (c) => {
    const { id } = parseWith(eventIdParam, c.req.param(), "path");
    const { store, log } = c.get("services");
    const result = await store.retryDeadLetter(id);
    if (!result) throw notFound(id);
    if (result.status === "failed") {
      log.warn("sync.dead_letter.retry_failed", { event_id: id, attempts: result.attempts });
      const code = result.error.code ? `, SQLSTATE ${result.error.code}` : "";
      throw new ProblemError(409, {
        detail: `event ${id} still cannot be applied (attempt ${result.attempts}${code}): ${result.error.message}`,
      });
    }
    log.info("sync.dead_letter.retried", { event_id: id, outcome: result.outcome });
    return json(200, { event_id: id, status: "applied", outcome: result.outcome });
  });

  /** Gives up on the event: it stays handled in the ledger, so no redelivery brings it back. */
  app.delete("/admin/dead-letters/:id", async (c) => {
    const { id } = parseWith(eventIdParam, c.req.param(), "path");
    const { store, log } = c.get("services");
    const letter = await store.discardDeadLetter(id);
    if (!letter) throw notFound(id);
    log.warn("sync.dead_letter.discarded", {
      event_id: id,
      origin: letter.origin,
      action: letter.action,
      entity_id: letter.entity_id,
    });
    return json(200, { event_id: id, status: "discarded" });
  });
}

function notFound(id: string): ProblemError {
  return new ProblemError(404, { detail: `no dead letter ${id} in this region` });
}
