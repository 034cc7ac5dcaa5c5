import type { Hono } from "hono";
import type { HonoEnv } from "../../app.js";
import { requireScope } from "../../auth.js";
import { registerGetSettings } from "./get.js";
import { registerPatchSettings } from "./patch.js";

export function registerSettingsRoutes(app: Hono<HonoEnv>): void {
  app.use("/settings", requireScope("admin"));
  registerGetSettings(app);
  registerPatchSettings(app);
}
