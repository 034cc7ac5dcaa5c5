import type { RouteConfig } from "@hono/zod-openapi";
import { openWakeHint, WAKE_SIGNATURE_HEADER } from "@memoria/sync-core";
import { z } from "zod";
import type { GatewayApp } from "../../app.js";
import { kickSync } from "../../sync/kick.js";
import { access, defineRoute, problems } from "../openapi/define.js";

export const wakeRoute = {
  method: "post",
  path: "/sync/wake",
  operationId: "wake",
  tags: ["sync"],
  summary: "A peer's signed wake-up hint: poll the transport now",
  description:
    "No key: the hint's HMAC (Memoria-Signature, the deployment's signing key) is its credential.",
  security: access.public,
  request: {
    headers: z.object({
      [WAKE_SIGNATURE_HEADER]: z.string().describe("Memoria-Signature: the hint's HMAC"),
    }),
    body: {
      required: true,
      content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
    },
  },
  responses: { 202: { description: "Accepted: a sync cycle starts" }, ...problems(401) },
} satisfies RouteConfig;

export function registerWakeRoute(app: GatewayApp): void {
  /** A peer's signed "I just published" (sync-core's wake-up hint): poll now. */
  defineRoute(app, wakeRoute, async (c) => {
    const { keyring } = c.get("services");
    await openWakeHint(await c.req.text(), c.req.header(WAKE_SIGNATURE_HEADER), keyring);
    kickSync(c, true, "consume");
    return new Response(null, { status: 202 });
  });
}
