import type { ApiScope } from "@memoria/sync-core";
import { createGatewayApp } from "../src/gateway-app.js";

/**
 * Dev/test only: every route of the gateway app, each with what it needs and a request
 * to send it, for the auth matrix (gateway and router tests). Read off the app itself,
 * so a route added without an entry here fails those tests instead of going unchecked.
 */

export type Need = "public" | "monitor" | ApiScope;

export interface RouteCase {
  method: string;
  /** As registered (`/memory/:id`). */
  route: string;
  /** A concrete path to send (ids that exist nowhere: a right key gets a 404, not a change). */
  path: string;
  json?: unknown;
  need: Need;
}

const NO_ID = "0190f5c8-0000-7000-8000-000000000000";

/** What each route needs and a harmless request for it. */
const CASES: Record<string, Omit<RouteCase, "method" | "route">> = {
  "GET /memory": { path: "/memory?limit=1", need: "read" },
  "GET /memory/:id": { path: `/memory/${NO_ID}`, need: "read" },
  "GET /memory/recent": { path: "/memory/recent?limit=1", need: "read" },
  "GET /memory/search": { path: "/memory/search?query=matrix&limit=1", need: "read" },
  "GET /memory/spatial": { path: "/memory/spatial?x=0&y=0&z=0&limit=1", need: "read" },
  "GET /memory/time-range": { path: "/memory/time-range?limit=1", need: "read" },
  "GET /memory/anchor": { path: "/memory/anchor?anchor=matrix&limit=1", need: "read" },
  "POST /memory": { path: "/memory", json: { text: "auth matrix", y: 5 }, need: "write" },
  "PUT /memory/:id": { path: `/memory/${NO_ID}`, json: { text: "x" }, need: "write" },
  "DELETE /memory/:id": { path: `/memory/${NO_ID}`, need: "write" },
  "GET /healthz": { path: "/healthz", need: "public" },
  "GET /openapi.json": { path: "/openapi.json", need: "public" },
  "GET /docs": { path: "/docs", need: "public" },
  "GET /health/sync": { path: "/health/sync", need: "monitor" },
  "GET /metrics": { path: "/metrics", need: "monitor" },
  "GET /settings": { path: "/settings", need: "admin" },
  "PATCH /settings": { path: "/settings", json: {}, need: "admin" },
  "POST /admin/promote": { path: "/admin/promote", need: "admin" },
  "GET /admin/keys": { path: "/admin/keys", need: "admin" },
  "POST /admin/keys": {
    path: "/admin/keys",
    json: { scopes: ["read"], name: "matrix" },
    need: "admin",
  },
  "DELETE /admin/keys/:id": { path: `/admin/keys/${NO_ID}`, need: "admin" },
  "GET /admin/dead-letters": { path: "/admin/dead-letters?limit=1", need: "admin" },
  "POST /admin/dead-letters/:id/retry": {
    path: `/admin/dead-letters/${NO_ID}/retry`,
    need: "admin",
  },
  "DELETE /admin/dead-letters/:id": { path: `/admin/dead-letters/${NO_ID}`, need: "admin" },
  "POST /sync/wake": { path: "/sync/wake", json: {}, need: "public" },
  "GET /sync/events": { path: "/sync/events?since=2026-01-01T00:00:00Z&limit=1", need: "admin" },
  "POST /sync/catch-up": {
    path: "/sync/catch-up",
    json: { since: new Date(Date.now() - 60_000).toISOString() },
    need: "admin",
  },
};

/** Every method+path the app routes (middleware excluded), each with its case; throws on a route without one. */
export function routeCases(): RouteCase[] {
  const seen = new Set<string>();
  const cases: RouteCase[] = [];
  for (const { method, path } of createGatewayApp().routes) {
    if (method === "ALL") continue;
    const name = `${method} ${path}`;
    if (seen.has(name)) continue;
    seen.add(name);
    const known = CASES[name];
    if (!known)
      throw new Error(
        `route ${name} has no entry in apps/gateway/local/routes.ts: say what it needs`,
      );
    cases.push({ method, route: path, ...known });
  }
  return cases;
}
