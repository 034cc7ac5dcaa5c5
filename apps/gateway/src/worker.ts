import type { Bindings } from "./env.js";
import { createGatewayApp } from "./gateway-app.js";
import { runScheduled } from "./scheduled.js";
import { buildServices } from "./services.js";

export { createGatewayApp } from "./gateway-app.js";
export { StorePool } from "./store-pool/host.js";
export { SyncPuller } from "./sync/puller.js";

const app = createGatewayApp();

export default {
  fetch: app.fetch,
  async scheduled(
    controller: ScheduledController,
    env: Bindings,
    ctx: ExecutionContext,
  ): Promise<void> {
    const services = await buildServices(env as unknown as Record<string, unknown>);
    try {
      const report = await runScheduled(
        services,
        controller.cron,
        new Date(controller.scheduledTime),
      );
      services.log.info("cron.done", { cron: controller.cron, report });
      // The cron is the safety net for the live loop: make sure the puller is polling.
      if (env.SYNC_PULLER && services.transport) {
        const puller = env.SYNC_PULLER.get(env.SYNC_PULLER.idFromName(services.region));
        ctx.waitUntil(
          puller
            .ensurePolling()
            .catch((error: unknown) => services.log.warn("sync.ensure_polling_failed", { error })),
        );
      }
    } finally {
      ctx.waitUntil(services.close());
    }
  },
} satisfies ExportedHandler<Bindings>;
