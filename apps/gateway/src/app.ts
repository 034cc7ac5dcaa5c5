import { OpenAPIHono } from "@hono/zod-openapi";
import {
  createLogger,
  fieldErrors,
  type ProblemDetails,
  ProblemError,
  problem,
  problemResponse,
} from "@memoria/sync-core";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import type { Principal } from "./auth/principal.js";
import { readBodyFirst } from "./body.js";
import type { Bindings } from "./env.js";
import type { RequestTiming } from "./server-timing.js";
import type { Services } from "./services.js";

/** Logs the errors that happen before the region's config (and its `logging.level`) is known. */
const fallbackLog = createLogger();

export type HonoEnv = {
  Bindings: Bindings;
  /** `principal`: who made the request, set by `authenticate()` before any route. */
  Variables: { services: Services; principal: Principal; timing: RequestTiming };
};

/** The app routes register on: Hono, with the registry the OpenAPI document is read from. */
export type GatewayApp = OpenAPIHono<HonoEnv>;

/**
 * The app shell every route module registers on: one error shape (problem+json, every 4xx
 * naming a field), the body read first and bounded (`body.ts`), and JSON 404s. Tests and
 * the worker build the same app. A route declared with `app.openapi` (stock validation)
 * refuses bad input in the same problem shape, through `defaultHook`.
 */
export function newApp(): GatewayApp {
  const app = new OpenAPIHono<HonoEnv>({
    defaultHook: (result) => {
      if (!result.success)
        throw new ProblemError(400, {
          detail: `invalid ${result.target}`,
          errors: fieldErrors(result.error),
        });
    },
  });
  app.use("*", readBodyFirst());
  app.notFound((c) =>
    problemResponse(
      problem(404, { detail: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }),
    ),
  );
  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(error.problem, error.headers);
    if (error instanceof ZodError) {
      return problemResponse(problem(400, { detail: "invalid input", errors: fieldErrors(error) }));
    }
    const status = (error as { status?: number }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return problemResponse(problem(status, { detail: error.message }));
    }
    // Before services exist (bad bindings, store down) there is no configured logger yet.
    const log = c.var.services?.log ?? fallbackLog;
    log.error("request.failed", { method: c.req.method, path: c.req.path, error });
    const details: ProblemDetails = problem(500, {
      detail: "internal error; see the region's logs",
    });
    return problemResponse(details);
  });
  return app;
}

export function json(
  status: ContentfulStatusCode,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
