import { createRouterApp } from "./app.js";
import type { RouterBindings } from "./config.js";

export { RegionHealth } from "./health.js";

/** Every cron the router declares (tested against wrangler.jsonc): a probe sweep, backing up the health object's own alarm. */
export const CRONS = { probe: "* * * * *" } as const;

const app = createRouterApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, env: RouterBindings): Promise<void> {
    await env.HEALTH.get(env.HEALTH.idFromName("global")).probe();
  },
} satisfies ExportedHandler<RouterBindings>;
