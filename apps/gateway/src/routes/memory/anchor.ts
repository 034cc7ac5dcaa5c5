import { z } from "zod";
import { json } from "../../app.js";
import { presentMemory } from "./present.js";
import {
  anchorsParam,
  boundedList,
  limitParam,
  type MemoryApp,
  parseUpstreamQuery,
  requestedTeam,
  teamParams,
} from "./upstream-query.js";

/** Upstream's `GET /memory/anchor?anchor=…`: a list of the records carrying any anchor. */
export const anchorQuery = z.strictObject({
  anchor: anchorsParam,
  ...teamParams,
  /** Ours: upstream answers every match. */
  limit: limitParam(100),
});

export function registerAnchorMemories(app: MemoryApp): void {
  app.get("/memory/anchor", async (c) => {
    const q = parseUpstreamQuery(c, anchorQuery);
    const { store, config } = c.get("services");
    const team = requestedTeam(q, config);
    if (team === null || q.anchor.length === 0) return json(200, []);
    const found = await store.queryMemories({
      ...team,
      anchors: q.anchor,
      order: "recent",
      limit: q.limit + 1,
    });
    return boundedList(found, q.limit, (m) => presentMemory(m, config));
  });
}
