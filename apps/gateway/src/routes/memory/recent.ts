import { z } from "zod";
import { json } from "../../app.js";
import { presentMemory } from "./present.js";
import { limitParam, type MemoryApp, offsetParam, parseUpstreamQuery } from "./upstream-query.js";

/** Upstream's `GET /memory/recent?limit=&offset=`: `{ memories }`, newest first. */
export const recentQuery = z.strictObject({ limit: limitParam(10), offset: offsetParam });

export function registerRecentMemories(app: MemoryApp): void {
  app.get("/memory/recent", async (c) => {
    const q = parseUpstreamQuery(c, recentQuery);
    const { store, config } = c.get("services");
    const found = await store.queryMemories({ order: "recent", limit: q.limit, offset: q.offset });
    return json(200, { memories: found.map((m) => presentMemory(m, config)) });
  });
}
