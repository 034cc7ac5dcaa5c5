import { ProblemError } from "@memoria/sync-core";
import type { Context } from "hono";
import type { RouterBindings } from "./config.js";
import { Meter } from "./meter.js";
import { countLocally, handOverIfDue } from "./metrics.js";
import { proxy } from "./proxy.js";
import { healthObject } from "./shared-health.js";

type RouterEnv = { Bindings: RouterBindings };

/** The proxy, counted: this isolate's counts go to the health object after the response, batched (metrics.ts). */
export async function meteredProxy(c: Context<RouterEnv>): Promise<Response> {
  const meter = new Meter();
  const close = (status: number, thrown: boolean) => {
    countLocally(meter.close(status, thrown));
    handOverIfDue(
      (promise) => c.executionCtx.waitUntil(promise),
      (samples) => healthObject(c.env).addMetrics(samples),
    );
  };
  try {
    const response = await proxy(c, meter);
    close(response.status, false);
    return response;
  } catch (error) {
    close(error instanceof ProblemError ? error.status : 500, true);
    throw error;
  }
}
