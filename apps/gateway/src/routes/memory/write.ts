import { MemoryNotFoundError } from "@memoria/store";
import { formatSyncToken, ProblemError, SYNC_TOKEN_HEADER } from "@memoria/sync-core";
import type { Hono } from "hono";
import { z } from "zod";
import { type HonoEnv, json } from "../../app.js";
import { kickSync } from "../../sync/kick.js";
import { jsonBody, parseWith } from "../../validate.js";
import { presentMemory, upstreamFields } from "./present.js";
import { memoryIdParam, updateMemoryBody } from "./schema.js";
import { entryContext, resolveEntry } from "./upstream-entry.js";

function notFound(error: unknown): never {
  if (error instanceof MemoryNotFoundError)
    throw new ProblemError(404, {
      detail: error.message,
      errors: [{ field: "id", message: "no such memory" }],
    });
  throw error;
}

/**
 * PUT and DELETE answer as upstream Memoria does (`{"status": "updated" | "deleted",
 * "memory_id"}`), plus this API's own members (`memory`, `sync_token`).
 */
export function registerWriteMemory(app: Hono<HonoEnv>): void {
  app.put("/memory/:id", async (c) => {
    const { id } = parseWith(memoryIdParam, c.req.param(), "path");
    const services = c.get("services");
    const raw = await jsonBody(c, z.unknown());
    const entry = resolveEntry(raw, "update", entryContext(services.config));
    const patch = parseWith(updateMemoryBody, entry.fields, "body");
    const floor = services.config.memory.privacy_floor;
    if (patch.y !== undefined && patch.y < floor) {
      throw new ProblemError(422, {
        detail: `${entry.yName} ${patch.y} is below memory.privacy_floor (${floor})`,
        errors: [{ field: entry.yName, message: `must be >= ${floor}` }],
      });
    }
    const result = await services.store.updateMemory(id, patch).catch(notFound);
    kickSync(c, result.events.length > 0);
    const memory = presentMemory(result.memory, services.config);
    return json(
      200,
      { status: "updated", ...upstreamFields(memory), memory, sync_token: result.hlc },
      { [SYNC_TOKEN_HEADER]: formatSyncToken(result.hlc) },
    );
  });

  app.delete("/memory/:id", async (c) => {
    const { id } = parseWith(memoryIdParam, c.req.param(), "path");
    const result = await c.get("services").store.deleteMemory(id).catch(notFound);
    kickSync(c, result.events.length > 0);
    return json(
      200,
      { status: "deleted", memory_id: id, sync_token: result.hlc },
      { [SYNC_TOKEN_HEADER]: formatSyncToken(result.hlc) },
    );
  });
}
