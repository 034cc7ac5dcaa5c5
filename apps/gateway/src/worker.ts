import { ProblemError, REGION_HEADER } from "@memoria/sync-core";
import { type HonoEnv, newApp } from "./app.js";
import type { Bindings } from "./env.js";
import { registerPromoteRoute } from "./routes/admin/promote.js";
import { registerHealthRoutes } from "./routes/health/index.js";
import { registerMemoryRoutes } from "./routes/memory/index.js";
import { registerMetricsRoute } from "./routes/metrics.js";
import { registerSettingsRoutes } from "./routes/settings/index.js";
import { registerSyncRoutes } from "./routes/sync/index.js";
import { runScheduled } from "./scheduled.js";
import { buildServices } from "./services.js";

export { SyncPuller } from "./sync/puller.js";

/** The gateway app: every route, with services built per request and closed after it. */
export function createGatewayApp() {
  const app = newApp();
  app.use("*", async (c, next) => {
    let services: HonoEnv["Variables"]["services"];
    try {
      services = await buildServices(c.env as unknown as Record<string, unknown>);
    } catch (error) {
      if (error instanceof ProblemError) throw error;
      // The store did not answer: this region cannot serve, and says so in a way routers understand.
      throw new ProblemError(
        503,
        {
          title: "Region unavailable",
          detail: `regional store unreachable: ${(error as Error).message}`,
        },
        { "retry-after": "5" },
      );
    }
    c.set("services", services);
    try {
      await next();
    } finally {
      const closing = services.close();
      try {
        c.executionCtx.waitUntil(closing);
      } catch {
        await closing;
      }
    }
  });
  app.use("*", async (c, next) => {
    await next();
    c.res.headers.set(REGION_HEADER, c.get("services").region);
  });
  registerMemoryRoutes(app);
  registerHealthRoutes(app);
  registerMetricsRoute(app);
  registerSettingsRoutes(app);
  registerPromoteRoute(app);
  registerSyncRoutes(app);
  return app;
}

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
