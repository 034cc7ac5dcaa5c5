import { ProblemError, problem, problemResponse } from "@memoria/sync-core";
import { Hono } from "hono";
import { linkTo, type RouterBindings, regionConfig, routerConfig } from "./config.js";
import { attempt, outbound, stripHopByHop } from "./forward.js";
import { placeOf } from "./geo.js";
import { isRetriable, plan } from "./route.js";
import type { RegionView, RouterSnapshot } from "./snapshot.js";
import { renderStatusPage, STATUS_CONTENT_SECURITY_POLICY } from "./status/page.js";

type RouterEnv = { Bindings: RouterBindings };

/** How long an isolate trusts its copy of the shared health state. */
const SNAPSHOT_TTL_MS = 500;
let cached: { snapshot: RouterSnapshot; at: number } | undefined;

function healthStub(env: RouterBindings) {
  return env.HEALTH.get(env.HEALTH.idFromName("global"));
}

async function snapshotOf(env: RouterBindings): Promise<RouterSnapshot> {
  if (cached && Date.now() - cached.at < SNAPSHOT_TTL_MS) return cached.snapshot;
  const snapshot = await healthStub(env).snapshot();
  cached = { snapshot, at: Date.now() };
  return snapshot;
}

/** This isolate stops using a failed region at once, before the shared state catches up. */
function markLocally(regionId: string, circuit: RegionView["circuit"]): void {
  const region = cached?.snapshot.regions.find((r) => r.id === regionId);
  if (region) {
    region.circuit = circuit;
    region.healthy = circuit === "closed";
  }
}

export function createRouterApp() {
  const app = new Hono<RouterEnv>();
  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(error.problem, error.headers);
    console.error(`[router] ${c.req.method} ${c.req.url}:`, error);
    return problemResponse(problem(500, { detail: "internal error in the router" }));
  });

  app.get("/status", async (c) => {
    const html = renderStatusPage(await healthStub(c.env).snapshot());
    return new Response(html, {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "content-security-policy": STATUS_CONTENT_SECURITY_POLICY,
      },
    });
  });

  app.get("/router/health", async (c) =>
    Response.json(await healthStub(c.env).snapshot(), { headers: { "cache-control": "no-store" } }),
  );

  app.all("*", async (c) => {
    const { config, regions } = routerConfig(c.env as unknown as Record<string, unknown>);
    const request = await outbound(c.req.raw, config.router.max_body_bytes);
    const snapshot = await snapshotOf(c.env);
    const route = plan(snapshot, request.method, request.headers, placeOf(c.req.raw.cf));
    const retriable = isRetriable(request.method, request.headers);
    const stub = healthStub(c.env);
    // Regions passed over because their circuit is open count as failed over, like ones that fail now.
    const failed: string[] = [];
    const reasons: string[] = [];
    const preferred = route.candidates.filter((region) => region.circuit !== "open");
    const skippedOpen = route.candidates.filter(
      (region) => region.circuit === "open" && rankBefore(route.order, region.id, preferred[0]?.id),
    );
    let lastFailure: Response | undefined;
    for (const region of route.candidates) {
      if (region.circuit === "half-open" && !(await stub.claimTrial(region.id))) continue;
      const result = await attempt(
        linkTo(regionConfig(regions, region.id), c.env as unknown as Record<string, unknown>),
        request,
        config.router.request_timeout_ms,
      );
      if (result.ok) {
        if (region.circuit !== "closed" || !region.healthy) {
          markLocally(region.id, "closed");
          c.executionCtx.waitUntil(stub.reportSuccess(region.id));
        }
        // Only a failure seen now is a failover event; passing over an open circuit is routine.
        if (failed.length > 0) {
          const record = {
            at: new Date().toISOString(),
            from: failed.join(","),
            to: region.id,
            method: request.method,
            path: new URL(c.req.url).pathname,
            reason: reasons.join("; "),
          };
          console.log(`[router] failover ${JSON.stringify(record)}`);
          c.executionCtx.waitUntil(stub.recordFailover(record));
        }
        const from = [...skippedOpen.filter((r) => r.id !== region.id).map((r) => r.id), ...failed];
        return respond(result.response, region.id, from);
      }
      failed.push(region.id);
      reasons.push(`${region.id}: ${result.reason}`);
      markLocally(region.id, "open");
      c.executionCtx.waitUntil(stub.reportFailure(region.id, result.reason));
      if (result.response) {
        lastFailure = result.response;
        await result.response.body?.cancel();
      }
      if (!retriable) {
        throw new ProblemError(
          503,
          {
            detail: `region ${region.id} failed (${result.reason}); the write may or may not have been applied. Send it with an Idempotency-Key to make a retry safe.`,
          },
          { "retry-after": "2", "x-memoria-region": region.id },
        );
      }
    }
    throw new ProblemError(
      503,
      {
        detail:
          failed.length > 0
            ? `every region failed: ${failed.join(", ")}`
            : "no region is available",
        ...(lastFailure ? { instance: `last status ${lastFailure.status}` } : {}),
      },
      { "retry-after": "2" },
    );
  });
  return app;
}

/** Whether `id` ranks before `other` in the client's order (nearest first). */
function rankBefore(order: string[], id: string, other: string | undefined): boolean {
  return other === undefined || order.indexOf(id) < order.indexOf(other);
}

function respond(upstream: Response, region: string, failed: string[]): Response {
  const headers = stripHopByHop(upstream.headers);
  headers.set("x-memoria-region", region);
  if (failed.length > 0) headers.set("x-memoria-failover", failed.join(","));
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers,
  });
}
