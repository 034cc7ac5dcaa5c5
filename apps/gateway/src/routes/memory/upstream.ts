import type { GatewayApp } from "../../app.js";
import { registerAnchorMemories } from "./anchor.js";
import { registerRecentMemories } from "./recent.js";
import { registerSearchMemories } from "./search.js";
import { registerSpatialMemories } from "./spatial.js";
import { registerTimeRangeMemories } from "./time-range.js";

/**
 * Upstream Memoria's read routes. Registered before `GET /memory/:id`, so `recent`,
 * `search` … are these routes and never taken for a memory id.
 */
export function registerUpstreamReads(app: GatewayApp): void {
  registerRecentMemories(app);
  registerSearchMemories(app);
  registerSpatialMemories(app);
  registerTimeRangeMemories(app);
  registerAnchorMemories(app);
}
