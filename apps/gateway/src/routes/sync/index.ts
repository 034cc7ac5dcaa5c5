import type { Hono } from "hono";
import type { HonoEnv } from "../../app.js";
import { requireScope } from "../../auth.js";
import { registerCatchUp } from "./catch-up.js";
import { registerSyncEvents } from "./events.js";
import { registerWakeRoute } from "./wake.js";

/** `/sync/wake` is public (its HMAC authenticates it); the operator tools need `admin`. */
export function registerSyncRoutes(app: Hono<HonoEnv>): void {
  app.use("/sync/events", requireScope("admin"));
  app.use("/sync/catch-up", requireScope("admin"));
  registerWakeRoute(app);
  registerSyncEvents(app);
  registerCatchUp(app);
}
