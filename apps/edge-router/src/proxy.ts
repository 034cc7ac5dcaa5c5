import { FAILOVER_HEADER, type Logger, ProblemError, REGION_HEADER } from "@memoria/sync-core";
import type { Context } from "hono";
import { linkTo, type RouterBindings, regionConfig, routerConfig } from "./config.js";
import { type Attempt, attempt, type OutboundRequest, outbound, stripHopByHop } from "./forward.js";
import { placeOf } from "./geo.js";
import { type Plan, planRoute } from "./plan.js";
import { currentSnapshot, healthObject, markLocally } from "./shared-health.js";
import type { FailoverRecord, RegionView } from "./snapshot.js";

type RouterEnv = { Bindings: RouterBindings };

/** One client request on its way through the plan's regions. */
interface Trip {
  request: OutboundRequest;
  path: string;
  plan: Plan;
  health: ReturnType<typeof healthObject>;
  waitUntil: (promise: Promise<unknown>) => void;
  log: Logger;
  /** Regions that failed during this request, with why. */
  failures: Array<{ region: string; reason: string }>;
  lastFailure?: Response;
}

/**
 * The catch-all route: plan the regions (plan.ts), then try them in order, asking the
 * shared breaker for the one trial of a half-open circuit and reporting each outcome to
 * it; the first success is the response.
 */
export async function proxy(c: Context<RouterEnv>): Promise<Response> {
  const bindings = c.env as unknown as Record<string, unknown>;
  const { config, regions, log } = routerConfig(bindings);
  const request = await outbound(c.req.raw, config.router.max_body_bytes);
  const plan = planRoute(await currentSnapshot(c.env), request, placeOf(c.req.raw.cf));
  const trip: Trip = {
    request,
    path: new URL(c.req.url).pathname,
    plan,
    health: healthObject(c.env),
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
    log,
    failures: [],
  };
  for (const region of plan.candidates) {
    if (region.circuit === "half-open" && !(await trip.health.claimTrial(region.id))) continue;
    const link = linkTo(regionConfig(regions, region.id), bindings);
    const result = await attempt(link, request, config.router.request_timeout_ms);
    if (result.ok) return served(trip, region, result.response);
    await failed(trip, region, result);
  }
  throw noRegionLeft(trip);
}

function served(trip: Trip, region: RegionView, upstream: Response): Response {
  if (region.circuit !== "closed" || !region.healthy) {
    markLocally(region.id, "closed");
    trip.waitUntil(trip.health.reportSuccess(region.id));
  }
  // Only a failure seen now is a failover event; passing over an open circuit is routine.
  if (trip.failures.length > 0) {
    const record: FailoverRecord = {
      at: new Date().toISOString(),
      from: trip.failures.map((f) => f.region).join(","),
      to: region.id,
      method: trip.request.method,
      path: trip.path,
      reason: trip.failures.map((f) => `${f.region}: ${f.reason}`).join("; "),
    };
    trip.log.info("router.failover", { ...record });
    trip.waitUntil(trip.health.recordFailover(record));
  }
  const from = [
    ...trip.plan.passedOver.filter((id) => id !== region.id),
    ...trip.failures.map((f) => f.region),
  ];
  return respond(upstream, region.id, from);
}

/** Records the failure; a request that may not be retried ends here with a 503. */
async function failed(
  trip: Trip,
  region: RegionView,
  result: Extract<Attempt, { ok: false }>,
): Promise<void> {
  trip.failures.push({ region: region.id, reason: result.reason });
  markLocally(region.id, "open");
  trip.waitUntil(trip.health.reportFailure(region.id, result.reason));
  if (result.response) {
    trip.lastFailure = result.response;
    await result.response.body?.cancel();
  }
  if (!trip.plan.retriable) {
    throw new ProblemError(
      503,
      {
        detail: `region ${region.id} failed (${result.reason}); the write may or may not have been applied. Send it with an Idempotency-Key to make a retry safe.`,
      },
      { "retry-after": "2", [REGION_HEADER]: region.id },
    );
  }
}

function noRegionLeft(trip: Trip): ProblemError {
  const failed = trip.failures.map((f) => f.region);
  return new ProblemError(
    503,
    {
      detail:
        failed.length > 0 ? `every region failed: ${failed.join(", ")}` : "no region is available",
      ...(trip.lastFailure ? { instance: `last status ${trip.lastFailure.status}` } : {}),
    },
    { "retry-after": "2" },
  );
}

function respond(upstream: Response, region: string, failedOver: string[]): Response {
  const headers = stripHopByHop(upstream.headers);
  headers.set(REGION_HEADER, region);
  if (failedOver.length > 0) headers.set(FAILOVER_HEADER, failedOver.join(","));
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers,
  });
}
