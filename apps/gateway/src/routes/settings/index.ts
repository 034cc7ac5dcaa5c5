import type { Hono } from "hono";
import type { HonoEnv } from "../../app.js";
import { requireApiKey } from "../../auth.js";
import { registerGetSettings } from "./get.js";
import { registerPatchSettings } from "./patch.js";

export function registerSettingsRoutes(app: Hono<HonoEnv>): void {
  app.use("/settings", requireApiKey());
  registerGetSettings(app);
  registerPatchSettings(app);
}
