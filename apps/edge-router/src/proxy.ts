import { FAILOVER_HEADER, type Logger, ProblemError, REGION_HEADER } from "@memoria/sync-core";
import type { Context } from "hono";
import { type Attempt, attempt } from "./attempt.js";
import { linkTo, type RouterBindings, regionConfig, routerConfig } from "./config.js";
import { clientAcceptEncoding, encodeForClient } from "./encoding.js";
import { type OutboundRequest, outbound, stripHopByHop } from "./forward.js";
import { placeOf } from "./geo.js";
import { Meter } from "./meter.js";
import { isReplayable, type Plan, planRoute } from "./plan.js";
import { answerChanges } from "./region-state.js";
import { currentSnapshot, healthObject, markLocally } from "./shared-health.js";
import type { RegionView } from "./snapshot.js";
import type { FailoverEntry } from "./timeline.js";
import { judge, NO_CHARGES, type Tally } from "./verdict.js";

type RouterEnv = { Bindings: RouterBindings };

/** One client request on its way through the plan's regions. */
interface Trip {
  request: OutboundRequest;
  path: string;
  /** The Accept-Encoding the client itself sent (encoding.ts), for the answer's coding. */
  acceptEncoding: string | null;
  plan: Plan;
  /** The shared health object, reached only when the request needs it (a trial, a charge, a failover). */
  health: () => ReturnType<typeof healthObject>;
  waitUntil: (promise: Promise<unknown>) => void;
  log: Logger;
  /** What metrics.ts counts of this request. */
  meter: Meter;
  /** Regions tried that did not serve the request, with why. */
  failures: Array<{ region: string; reason: string }>;
  /** Who is charged so far, and the region whose 5xx awaits confirmation (verdict.ts). */
  tally: Tally;
  /** The suspect region's 5xx, kept to answer with if no region does better. */
  suspectAnswer?: { region: RegionView; response: Response };
}

/**
 * The catch-all route: plan the regions (plan.ts), then try them in order, asking the
 * shared breaker for the one trial of a half-open circuit; verdict.ts says after each
 * outcome which regions it counts against and whether to go on.
 */
export async function proxy(c: Context<RouterEnv>, meter = new Meter()): Promise<Response> {
  const bindings = c.env as unknown as Record<string, unknown>;
  const { config, regions, log } = routerConfig(bindings);
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  const request = await outbound(c.req.raw, config.router.max_body_bytes);
  const plan = planRoute(await currentSnapshot(c.env, waitUntil), request, placeOf(c.req.raw.cf));
  const trip: Trip = {
    request,
    path: new URL(c.req.url).pathname,
    acceptEncoding: clientAcceptEncoding(c.req.raw),
    plan,
    health: () => healthObject(c.env),
    waitUntil,
    log,
    meter,
    failures: [],
    tally: NO_CHARGES,
  };
  const replayable = isReplayable(request);
  for (const region of plan.candidates) {
    if (region.circuit === "half-open" && !(await trip.health().claimTrial(region.id))) continue;
    const link = linkTo(regionConfig(regions, region.id), bindings);
    const sentAt = Date.now();
    const result = await attempt(link, request, config.router.request_timeout_ms, replayable);
    trip.meter.upstream(Date.now() - sentAt);
    if (result.resent) logResend(trip, region, result);
    const served = await follow(trip, region, result);
    if (served) return served;
  }
  if (trip.suspectAnswer)
    return answer(trip, trip.suspectAnswer.region, trip.suspectAnswer.response);
  throw noRegionLeft(trip);
}

/** Applies the verdict on one region's outcome: the response to send, or undefined to go on. */
async function follow(
  trip: Trip,
  region: RegionView,
  result: Attempt,
): Promise<Response | undefined> {
  const outcome =
    result.kind === "answer"
      ? { kind: "answer" as const, status: result.response.status }
      : { kind: "unreachable" as const };
  const before = trip.tally.charged.length;
  const { tally, step } = judge(trip.tally, region.id, outcome, trip.plan.retriable);
  trip.tally = tally;
  // Misdirected (421: not this region's team space) is routing, not a failure: no failover.
  const misdirected = result.kind === "answer" && result.response.status === 421;
  if (step !== "serve" && !misdirected) {
    trip.failures.push({
      region: region.id,
      reason: result.kind === "answer" ? `HTTP ${result.response.status}` : result.reason,
    });
  }
  for (const id of tally.charged.slice(before)) charge(trip, id);
  if (step === "serve" && result.kind === "answer") {
    // The suspect's answer is superseded, by a better one or by a second 5xx.
    if (trip.suspectAnswer) await trip.suspectAnswer.response.body?.cancel();
    trip.suspectAnswer = undefined;
    return answer(trip, region, result.response);
  }
  if (result.kind === "answer") {
    // A 421 is the answer only when nothing better comes: it never displaces a suspect 5xx.
    if (misdirected && trip.suspectAnswer) await result.response.body?.cancel();
    else trip.suspectAnswer = { region, response: result.response };
  }
  if (step === "refuse" && result.kind === "unreachable") {
    trip.meter.refused(region.id);
    throw refused(region, result);
  }
  return undefined;
}

/** Opens `regionId`'s circuit: at once in this isolate, and in the shared health object. */
function charge(trip: Trip, regionId: string): void {
  const reason = trip.failures.find((f) => f.region === regionId)?.reason ?? "failed";
  const report = trip.health().reportFailure(regionId, reason);
  markLocally(regionId, "open", report);
  trip.waitUntil(report);
}

function logResend(trip: Trip, region: RegionView, result: Attempt): void {
  trip.log.info("router.resent", {
    region: region.id,
    method: trip.request.method,
    path: trip.path,
    outcome: result.kind === "answer" ? `HTTP ${result.response.status}` : result.reason,
  });
}

/** The region's response to the client; a region that answered below 500 is working. */
function answer(trip: Trip, region: RegionView, upstream: Response): Response {
  const tried = trip.failures.filter((f) => f.region !== region.id);
  trip.meter.served(region.id, tried.length > 0);
  if (upstream.status < 500) {
    // A healthy region's answer changes nothing: no call to the health object.
    if (answerChanges(region)) {
      const report = trip.health().reportSuccess(region.id);
      markLocally(region.id, "closed", report);
      trip.waitUntil(report);
    }
    // Only a failure seen now is a failover event; passing over an open circuit is routine.
    if (tried.length > 0) recordFailover(trip, region, tried);
    if (isPromotion(trip, upstream)) recordPromotion(trip, region, upstream.clone());
  }
  const from = [
    ...trip.plan.passedOver.filter((id) => id !== region.id),
    ...tried.map((f) => f.region),
  ];
  return respond(upstream, region.id, from, trip.acceptEncoding);
}

function recordFailover(
  trip: Trip,
  region: RegionView,
  tried: Array<{ region: string; reason: string }>,
): void {
  const record: FailoverEntry = {
    kind: "failover",
    at: new Date().toISOString(),
    from: tried.map((f) => f.region).join(","),
    to: region.id,
    method: trip.request.method,
    path: trip.path,
    reason: tried.map((f) => `${f.region}: ${f.reason}`).join("; "),
  };
  const { kind: _kind, ...logged } = record;
  trip.log.info("router.failover", logged);
  trip.meter.failover(record.from, record.to);
  trip.waitUntil(trip.health().recordFailover(record));
}

/** A promotion that took (`POST /admin/promote` answered 200): the timeline records it. */
function isPromotion(trip: Trip, upstream: Response): boolean {
  return upstream.status === 200 && trip.request.method === "POST" && trip.path === PROMOTE_PATH;
}

const PROMOTE_PATH = "/admin/promote";

/**
 * Records the promotion with the writer lease's new token from the answer (a copy of its
 * body: promotions are rare, so reading one costs the hot path nothing).
 */
function recordPromotion(trip: Trip, region: RegionView, answer: Response): void {
  const recorded = answer
    .json()
    .catch(() => null)
    .then((body) => trip.health().recordPromotion(region.id, leaseTokenOf(body)));
  trip.waitUntil(recorded);
}

function leaseTokenOf(body: unknown): number | null {
  const token = (body as { writer?: { token?: unknown } } | null)?.writer?.token;
  return typeof token === "number" && Number.isInteger(token) ? token : null;
}

/** A write that may not go to another region, and its region did not answer. */
function refused(region: RegionView, result: Extract<Attempt, { kind: "unreachable" }>) {
  const applied = result.undelivered
    ? "the write was not applied (the region never received all of it); it is safe to send again."
    : "the write may or may not have been applied. Send it with an Idempotency-Key to make a retry safe.";
  return new ProblemError(
    503,
    { detail: `region ${region.id} failed (${result.reason}); ${applied}` },
    { "retry-after": "2", [REGION_HEADER]: region.id },
  );
}

function noRegionLeft(trip: Trip): ProblemError {
  const failed = trip.failures.map((f) => f.region);
  return new ProblemError(
    503,
    {
      detail:
        failed.length > 0 ? `every region failed: ${failed.join(", ")}` : "no region is available",
    },
    { "retry-after": "2" },
  );
}

function respond(
  upstream: Response,
  region: string,
  failedOver: string[],
  acceptEncoding: string | null,
): Response {
  const headers = stripHopByHop(upstream.headers);
  encodeForClient(headers, acceptEncoding);
  headers.set(REGION_HEADER, region);
  if (failedOver.length > 0) headers.set(FAILOVER_HEADER, failedOver.join(","));
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers,
  });
}
