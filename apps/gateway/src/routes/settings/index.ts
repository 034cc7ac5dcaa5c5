import type { GatewayApp } from "../../app.js";
import { requireScope } from "../../auth.js";
import { registerGetSettings } from "./get.js";
import { registerPatchSettings } from "./patch.js";

export function registerSettingsRoutes(app: GatewayApp): void {
  app.use("/settings", requireScope("admin"));
  registerGetSettings(app);
  registerPatchSettings(app);
}
