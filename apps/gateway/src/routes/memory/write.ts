import { MemoryNotFoundError } from "@memoria/store";
import { formatSyncToken, ProblemError, SYNC_TOKEN_HEADER } from "@memoria/sync-core";
import type { Hono } from "hono";
import { type HonoEnv, json } from "../../app.js";
import { kickSync } from "../../sync/kick.js";
import { jsonBody, parseWith } from "../../validate.js";
import { presentMemory } from "./present.js";
import { memoryIdParam, updateMemoryBody } from "./schema.js";

function notFound(error: unknown): never {
  if (error instanceof MemoryNotFoundError) throw new ProblemError(404, { detail: error.message });
  throw error;
}

export function registerWriteMemory(app: Hono<HonoEnv>): void {
  app.put("/memory/:id", async (c) => {
    const { id } = parseWith(memoryIdParam, c.req.param(), "path");
    const services = c.get("services");
    const patch = await jsonBody(c, updateMemoryBody);
    const floor = services.config.memory.privacy_floor;
    if (patch.y !== undefined && patch.y < floor) {
      throw new ProblemError(422, {
        detail: `y ${patch.y} is below memory.privacy_floor (${floor})`,
        errors: [{ field: "y", message: `must be >= ${floor}` }],
      });
    }
    const result = await services.store.updateMemory(id, patch).catch(notFound);
    kickSync(c, result.events.length > 0);
    return json(
      200,
      { memory: presentMemory(result.memory, services.config), sync_token: result.hlc },
      { [SYNC_TOKEN_HEADER]: formatSyncToken(result.hlc) },
    );
  });

  app.delete("/memory/:id", async (c) => {
    const { id } = parseWith(memoryIdParam, c.req.param(), "path");
    const result = await c.get("services").store.deleteMemory(id).catch(notFound);
    kickSync(c, result.events.length > 0);
    return new Response(null, {
      status: 204,
      headers: { [SYNC_TOKEN_HEADER]: formatSyncToken(result.hlc) },
    });
  });
}
