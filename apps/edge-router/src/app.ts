import {
  createLogger,
  type Logger,
  ProblemError,
  problem,
  problemResponse,
} from "@memoria/sync-core";
import { Hono } from "hono";
import { type RouterBindings, routerConfig } from "./config.js";
import { meteredProxy } from "./metered.js";
import { metricsRoute } from "./metrics-route.js";
import { healthObject } from "./shared-health.js";
import type { RouterSnapshot } from "./snapshot.js";
import { statusRoute } from "./status/route.js";

type RouterEnv = { Bindings: RouterBindings };

/** The router: its status page (and its JSON), its health snapshot, its metrics, and every other path proxied to a region. */
export function createRouterApp() {
  const app = new Hono<RouterEnv>();
  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(error.problem, error.headers);
    // Method and path only: headers (X-API-Key, Authorization) and the query never reach a log.
    loggerOf(c.env).error("router.error", {
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      error,
    });
    return problemResponse(problem(500, { detail: "internal error in the router" }));
  });
  app.get("/status", statusRoute);
  app.get("/router/health", async (c) => {
    const status = await healthObject(c.env).status();
    const failovers = status.timeline.filter((entry) => entry.kind === "failover");
    const body: RouterSnapshot = { ...status, failovers };
    return Response.json(body, { headers: { "cache-control": "no-store" } });
  });
  app.get("/metrics", metricsRoute);
  app.all("*", meteredProxy);
  return app;
}

/** The configured logger, or a default one when the configuration itself is what failed. */
function loggerOf(env: RouterBindings): Logger {
  try {
    return routerConfig(env as unknown as Record<string, unknown>).log;
  } catch {
    return createLogger().with({ service: "edge-router" });
  }
}
