/**
 * The transit cases inside workerd (the runtime the gateways run in), one per request:
 * `POST /` with `{case, payload, bounds}` answers the case's `Timing`; `GET /clock` the
 * clock's step. Bundled and started by `transit.ts` (`workerd.ts`); nothing but the bench
 * talks to it.
 */
import { clockStepMs, type TimingBounds, timeOperation } from "./timing.js";
import {
  makeFixture,
  PAYLOADS,
  type PayloadName,
  TRANSIT_CASES,
  type TransitFixture,
} from "./transit-cases.js";

interface CaseRequest {
  case: string;
  payload: PayloadName;
  bounds: TimingBounds;
}

// One fixture per isolate (keys, events), made on the first request.
let fixture: Promise<TransitFixture> | undefined;

function problem(status: number, detail: string): Response {
  return Response.json(
    { title: "bad bench request", status, detail },
    { status, headers: { "content-type": "application/problem+json" } },
  );
}

async function runCase(request: Request): Promise<Response> {
  const body = (await request.json().catch(() => undefined)) as Partial<CaseRequest> | undefined;
  const build = TRANSIT_CASES[body?.case ?? ""];
  if (!body || !build) return problem(400, `case: one of ${Object.keys(TRANSIT_CASES).join(", ")}`);
  if (!Object.hasOwn(PAYLOADS, body.payload ?? ""))
    return problem(400, `payload: one of ${Object.keys(PAYLOADS).join(", ")}`);
  if (!body.bounds) return problem(400, "bounds: required");
  fixture ??= makeFixture();
  const op = build(await fixture, body.payload as PayloadName);
  return Response.json(await timeOperation(op, body.bounds));
}

export default {
  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname === "/clock")
      return Response.json({ step_ms: clockStepMs() });
    if (request.method !== "POST") return problem(405, "POST a case, or GET /clock");
    return runCase(request);
  },
};
