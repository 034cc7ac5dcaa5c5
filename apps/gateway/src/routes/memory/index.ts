import type { GatewayApp } from "../../app.js";
import { requireScope, scopeToTeams } from "../../auth.js";
import { registerCreateMemory } from "./create.js";
import { registerReadMemory } from "./read.js";
import { onlyServedSpaces } from "./spaces.js";
import { registerUpstreamReads } from "./upstream.js";
import { registerWriteMemory } from "./write.js";

/** Reads need `read`, every other method `write`; a team-bound key sees only its teams. */
export function registerMemoryRoutes(app: GatewayApp): void {
  for (const path of ["/memory", "/memory/*"]) {
    app.use(
      path,
      requireScope((method) => (method === "GET" || method === "HEAD" ? "read" : "write")),
    );
    app.use(path, scopeToTeams());
    app.use(path, onlyServedSpaces());
  }
  registerCreateMemory(app);
  // Before `GET /memory/:id`: `/memory/recent` … are routes, not ids.
  registerUpstreamReads(app);
  registerReadMemory(app);
  registerWriteMemory(app);
}
