import { ProblemError } from "@memoria/sync-core";
import type { Hono } from "hono";
import { type HonoEnv, json } from "../../app.js";
import { kickSync } from "../../sync/kick.js";
import { jsonBody } from "../../validate.js";
import { createMemoryBody } from "./schema.js";
import { SYNC_TOKEN_HEADER } from "./sync-token.js";

export function registerCreateMemory(app: Hono<HonoEnv>): void {
  app.post("/memory", async (c) => {
    const services = c.get("services");
    const body = await jsonBody(c, createMemoryBody);
    const floor = services.config.memory.privacy_floor;
    if (body.y < floor) {
      throw new ProblemError(422, {
        detail: `y ${body.y} is below this deployment's memory.privacy_floor (${floor})`,
        errors: [{ field: "y", message: `must be >= ${floor}` }],
      });
    }
    const result = await services.store.createMemory(body);
    kickSync(c, result.events.length > 0);
    return json(
      201,
      { memory: result.memory, sync_token: result.hlc },
      { [SYNC_TOKEN_HEADER]: result.hlc, location: `/memory/${result.memory.id}` },
    );
  });
}
