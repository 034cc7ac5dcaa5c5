import { ProblemError, REGION_HEADER } from "@memoria/sync-core";
import { type HonoEnv, newApp } from "./app.js";
import { authenticate } from "./auth.js";
import { registerAdminRoutes } from "./routes/admin/index.js";
import { registerHealthRoutes } from "./routes/health/index.js";
import { registerMemoryRoutes } from "./routes/memory/index.js";
import { registerMetricsRoute } from "./routes/metrics.js";
import { metricsRoute } from "./routes/metrics-doc.js";
import { registerApiDocs } from "./routes/openapi/index.js";
import { registerSettingsRoutes } from "./routes/settings/index.js";
import { registerSyncRoutes } from "./routes/sync/index.js";
import { serverTiming } from "./server-timing.js";
import { buildServices } from "./services.js";

/** The gateway app: every route, with services built per request and closed after it. */
export function createGatewayApp() {
  const app = newApp();
  // Before the services: the API's description needs no store, no key and no sync.
  registerApiDocs(app);
  app.use("*", serverTiming());
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
    c.get("timing").setupDone();
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
  // Every route needs a credential unless `auth/policy.ts` says otherwise; groups add scopes.
  app.use("*", authenticate());
  registerMemoryRoutes(app);
  registerHealthRoutes(app);
  registerMetricsRoute(app);
  app.openAPIRegistry.registerPath(metricsRoute);
  registerSettingsRoutes(app);
  registerAdminRoutes(app);
  registerSyncRoutes(app);
  return app;
}
