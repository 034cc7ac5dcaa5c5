import type { GatewayApp } from "../../app.js";
import { requireScope } from "../../auth.js";
import { registerCatchUp } from "./catch-up.js";
import { catchUpRoute } from "./catch-up-doc.js";
import { registerSyncEvents } from "./events.js";
import { registerWakeRoute } from "./wake.js";

/** `/sync/wake` is public (its HMAC authenticates it); the operator tools need `admin`. */
export function registerSyncRoutes(app: GatewayApp): void {
  app.use("/sync/events", requireScope("admin"));
  app.use("/sync/catch-up", requireScope("admin"));
  registerWakeRoute(app);
  registerSyncEvents(app);
  registerCatchUp(app);
  app.openAPIRegistry.registerPath(catchUpRoute);
}
