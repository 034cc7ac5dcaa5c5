import { IdempotencyConflictError } from "@memoria/store";
import {
  formatSyncToken,
  IDEMPOTENCY_KEY_HEADER,
  ProblemError,
  SYNC_TOKEN_HEADER,
} from "@memoria/sync-core";
import type { Hono } from "hono";
import { type HonoEnv, json } from "../../app.js";
import { kickSync } from "../../sync/kick.js";
import { jsonBody } from "../../validate.js";
import { presentMemory } from "./present.js";
import { createMemoryBody } from "./schema.js";

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
    const body = await jsonBody(c, createMemoryBody);
    const floor = services.config.memory.privacy_floor;
    if (body.y < floor) {
      throw new ProblemError(422, {
        detail: `y ${body.y} is below this deployment's memory.privacy_floor (${floor})`,
        errors: [{ field: "y", message: `must be >= ${floor}` }],
      });
    }
    const result = await services.store
      .createMemory(body, key === undefined ? {} : { idempotencyKey: key })
      .catch((error: unknown) => {
        if (error instanceof IdempotencyConflictError)
          throw new ProblemError(409, { detail: error.message });
        throw error;
      });
    kickSync(c, result.events.length > 0);
    const headers: Record<string, string> = {
      [SYNC_TOKEN_HEADER]: formatSyncToken(result.hlc),
      location: `/memory/${result.memory.id}`,
    };
    if (result.replayed) headers["idempotent-replayed"] = "true";
    return json(
      result.replayed ? 200 : 201,
      { memory: presentMemory(result.memory, services.config), sync_token: result.hlc },
      headers,
    );
  });
}
