import { openWakeHint, WAKE_SIGNATURE_HEADER } from "@memoria/sync-core";
import type { Hono } from "hono";
import type { HonoEnv } from "../../app.js";
import { kickSync } from "../../sync/kick.js";

export function registerWakeRoute(app: Hono<HonoEnv>): void {
  /** A peer's signed "I just published" (sync-core's wake-up hint): poll now. */
  app.post("/sync/wake", async (c) => {
    const { keyring } = c.get("services");
    await openWakeHint(await c.req.text(), c.req.header(WAKE_SIGNATURE_HEADER), keyring);
    kickSync(c, true);
    return new Response(null, { status: 202 });
  });
}
