import type { Hono } from "hono";
import type { HonoEnv } from "../../app.js";
import { registerCatchUp } from "./catch-up.js";
import { registerSyncEvents } from "./events.js";
import { registerWakeRoute } from "./wake.js";

export function registerSyncRoutes(app: Hono<HonoEnv>): void {
  registerWakeRoute(app);
  registerSyncEvents(app);
  registerCatchUp(app);
}
