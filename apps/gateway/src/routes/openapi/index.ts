import type { RouteConfig } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { z } from "zod";
import { type GatewayApp, json } from "../../app.js";
import { access, defineRoute, jsonAnswer, problems, SECURITY_SCHEMES } from "./define.js";
import { openApiDocument } from "./document.js";

export const OPENAPI_PATH = "/openapi.json";

export const openApiRoute = {
  method: "get",
  path: OPENAPI_PATH,
  operationId: "getOpenApiDocument",
  tags: ["meta"],
  summary: "This document (OpenAPI 3.1), generated from the routes' own zod schemas",
  security: access.public,
  responses: {
    200: jsonAnswer("The document", z.record(z.string(), z.unknown())),
    ...problems(),
  },
} satisfies RouteConfig;

export const docsRoute = {
  method: "get",
  path: "/docs",
  operationId: "getApiReference",
  tags: ["meta"],
  summary: "Interactive API reference (Scalar) over /openapi.json",
  description:
    "The page loads Scalar's script from cdn.jsdelivr.net: a browser without internet access sees the page without the reference; /openapi.json works everywhere.",
  security: access.public,
  responses: {
    200: { description: "An HTML page", content: { "text/html": { schema: z.string() } } },
    ...problems(),
  },
} satisfies RouteConfig;

/**
 * `GET /openapi.json` and `GET /docs`, registered before the services middleware: they
 * need no credential, no store and no sync, so they answer even while the region cannot
 * serve. The document is built once per isolate, on first ask, from every route the app
 * has registered by then (all of them: requests come after registration).
 */
export function registerApiDocs(app: GatewayApp): void {
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES))
    app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  let document: unknown;
  defineRoute(app, openApiRoute, () => {
    document ??= openApiDocument(app);
    return json(200, document, { "cache-control": "public, max-age=300" });
  });
  defineRoute(
    app,
    docsRoute,
    Scalar({ url: OPENAPI_PATH, pageTitle: "Memoria Edge API", hideClientButton: true }),
  );
}
