import type { Context } from "hono";
import { type RouterBindings, routerConfig } from "../config.js";
import { healthObject } from "../shared-health.js";
import { statusDocument } from "./document.js";
import { prefersJson } from "./negotiate.js";
import { renderStatusPage, STATUS_CONTENT_SECURITY_POLICY } from "./page.js";

type RouterEnv = { Bindings: RouterBindings };

/**
 * `GET /status`: one snapshot (document.ts), as JSON for a script that asks for it
 * (negotiate.ts) and as the page otherwise. Both vary by `Accept`, and neither is cached.
 */
export async function statusRoute(c: Context<RouterEnv>): Promise<Response> {
  const { regions } = routerConfig(c.env as unknown as Record<string, unknown>);
  const document = statusDocument(await healthObject(c.env).status(), regions);
  const headers = { "cache-control": "no-store", vary: "Accept" };
  if (prefersJson(c.req.header("accept"))) return Response.json(document, { headers });
  return new Response(renderStatusPage(document), {
    headers: {
      ...headers,
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": STATUS_CONTENT_SECURITY_POLICY,
    },
  });
}
