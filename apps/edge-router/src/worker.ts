import { createRouterApp } from "./app.js";
import type { RouterBindings } from "./config.js";

export { CRONS } from "./crons.js";
export { RegionHealth } from "./health.js";

const app = createRouterApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, env: RouterBindings): Promise<void> {
    await env.HEALTH.get(env.HEALTH.idFromName("global")).probe();
  },
} satisfies ExportedHandler<RouterBindings>;
