import type { RouteConfig } from "@hono/zod-openapi";
import { isEventId, ProblemError } from "@memoria/sync-core";
import { z } from "zod";
import { type GatewayApp, json } from "../../app.js";
import { parseWith } from "../../validate.js";
import { access, defineRoute, jsonAnswer, securedProblems } from "../openapi/define.js";

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const eventIdParam = z.object({
  id: z.string().refine(isEventId, { error: "must be an event id (a UUIDv7 or a ULID)" }),
});

const deadLetterSchema = z
  .object({
    event_id: z.string(),
    origin: z.string(),
    action: z.string(),
    entity_id: z.string(),
    hlc: z.string(),
    error: z.object({ message: z.string(), code: z.string().nullable() }),
    attempts: z.number(),
    first_seen: z.string(),
    last_attempt_at: z.string(),
    event: z.record(z.string(), z.unknown()).describe("As this region may hold it"),
    redacted: z.unknown().optional(),
  })
  .meta({ id: "DeadLetter" });

export const listDeadLettersRoute = {
  method: "get",
  path: "/admin/dead-letters",
  operationId: "listDeadLetters",
  tags: ["admin"],
  summary: "Peer events this region could not apply",
  security: access.scope("admin"),
  request: { query: listQuery },
  responses: {
    200: jsonAnswer(
      "Oldest first, and how many wait",
      z.object({ dead_letters: z.array(deadLetterSchema), count: z.number() }),
    ),
    ...securedProblems(),
  },
} satisfies RouteConfig;

export const retryDeadLetterRoute = {
  method: "post",
  path: "/admin/dead-letters/{id}/retry",
  operationId: "retryDeadLetter",
  tags: ["admin"],
  summary: "Apply a dead letter again (the ordinary merge)",
  security: access.scope("admin"),
  request: { params: eventIdParam },
  responses: {
    200: jsonAnswer(
      "Applied",
      z.object({ event_id: z.string(), status: z.literal("applied"), outcome: z.string() }),
    ),
    ...securedProblems(404, 409),
  },
} satisfies RouteConfig;

export const discardDeadLetterRoute = {
  method: "delete",
  path: "/admin/dead-letters/{id}",
  operationId: "discardDeadLetter",
  tags: ["admin"],
  summary: "Give up on a dead letter (no redelivery brings it back)",
  security: access.scope("admin"),
  request: { params: eventIdParam },
  responses: {
    200: jsonAnswer(
      "Discarded",
      z.object({ event_id: z.string(), status: z.literal("discarded") }),
    ),
    ...securedProblems(404),
  },
} satisfies RouteConfig;

/**
 * Dead letters: verified peer events this region could not apply, kept with their error
 * while the stream went on (`store/src/apply-isolate.ts`). The operator lists them, retries
 * one once the cause is fixed (the ordinary merge: a newer state is never overwritten), or
 * discards it. Each shows only what this region may hold (no content outside its band).
 */
export function registerDeadLetterRoutes(app: GatewayApp): void {
  defineRoute(app, listDeadLettersRoute, async (c) => {
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

  defineRoute(app, retryDeadLetterRoute, async (c) => {
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
  defineRoute(app, discardDeadLetterRoute, async (c) => {
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
