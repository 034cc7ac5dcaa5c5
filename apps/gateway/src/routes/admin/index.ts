import type { GatewayApp } from "../../app.js";
import { requireScope } from "../../auth.js";
import { registerDeadLetterRoutes } from "./dead-letters.js";
import { registerKeyRoutes } from "./keys.js";
import { registerPromoteRoute } from "./promote.js";

/** Everything under `/admin` needs the `admin` scope (promote, keys, dead letters). */
export function registerAdminRoutes(app: GatewayApp): void {
  app.use("/admin/*", requireScope("admin"));
  registerPromoteRoute(app);
  registerKeyRoutes(app);
  registerDeadLetterRoutes(app);
}
