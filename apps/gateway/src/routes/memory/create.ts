import { IdempotencyConflictError } from "@memoria/store";
import {
  formatSyncToken,
  IDEMPOTENCY_KEY_HEADER,
  ProblemError,
  SYNC_TOKEN_HEADER,
} from "@memoria/sync-core";
import type { Hono } from "hono";
import { z } from "zod";
import { type HonoEnv, json } from "../../app.js";
import { kickSync } from "../../sync/kick.js";
import { jsonBody, parseWith } from "../../validate.js";
import { presentMemory, upstreamFields } from "./present.js";
import { createMemoryBody } from "./schema.js";
import { entryContext, resolveEntry } from "./upstream-entry.js";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function registerCreateMemory(app: Hono<HonoEnv>): void {
  app.post("/memory", async (c) => {
    const services = c.get("services");
    const key = c.req.header(IDEMPOTENCY_KEY_HEADER);
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new ProblemError(400, {
        detail: "Idempotency-Key must be 1-255 visible ASCII characters",
        errors: [{ field: "Idempotency-Key", message: "invalid" }],
      });
    }
    const raw = await jsonBody(c, z.unknown());
    const entry = resolveEntry(raw, "create", entryContext(services.config));
    const body = parseWith(createMemoryBody, entry.fields, "body");
    const floor = services.config.memory.privacy_floor;
    if (body.y < floor) {
      throw new ProblemError(422, {
        detail: `${entry.yName} ${body.y} is below this deployment's memory.privacy_floor (${floor})`,
        errors: [{ field: entry.yName, message: `must be >= ${floor}` }],
      });
    }
    const result = await services.store
      .createMemory(body, key === undefined ? {} : { idempotencyKey: key })
      .catch((error: unknown) => {
        if (error instanceof IdempotencyConflictError)
          throw new ProblemError(409, {
            detail: error.message,
            errors: [{ field: "Idempotency-Key", message: "names a memory since deleted" }],
          });
        throw error;
      });
    kickSync(c, result.events.length > 0);
    const headers: Record<string, string> = {
      [SYNC_TOKEN_HEADER]: formatSyncToken(result.hlc),
      location: `/memory/${result.memory.id}`,
    };
    if (result.replayed) headers["idempotent-replayed"] = "true";
    const memory = presentMemory(result.memory, services.config);
    return json(
      result.replayed ? 200 : 201,
      { status: "stored", ...upstreamFields(memory), memory, sync_token: result.hlc },
      headers,
    );
  });
}
