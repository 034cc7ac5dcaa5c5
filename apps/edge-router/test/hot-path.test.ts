import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRouter, startRouter } from "../local/router.js";
import { METRICS_HANDOVER_MS } from "../src/metrics.js";
import { SNAPSHOT_TTL_MS } from "../src/shared-health.js";
import {
  FIRST_PART_BYTES,
  type StreamingRegion,
  startStreamingRegion,
  streamByte,
} from "./streaming-region.js";
import "./provided.js";

/**
 * The router's hot path, in workerd: a GET to a healthy region streams both ways and
 * costs no call to the shared health object; the isolate learns what other isolates told
 * the object from its refreshed copy of the object's state, not from a request failing.
 */

let a: StreamingRegion;
let b: StreamingRegion;
let router: RunningRouter;
const NEW_YORK = { latitude: "40.71", longitude: "-74.01", continent: "NA" };

/** The router's RegionHealth object, called from the test as another isolate would. */
interface HealthCalls {
  callCounts(): Promise<Record<string, number>>;
  reportFailure(regionId: string, reason: string): Promise<void>;
}

beforeAll(async () => {
  [a, b] = await Promise.all([
    startStreamingRegion("region-a", "writer"),
    startStreamingRegion("region-b", "reader"),
  ]);
  router = await startRouter({
    regions: [
      { id: "region-a", url: a.url, lat: 39.04, lon: -77.49, continent: "NA", role: "writer" },
      { id: "region-b", url: b.url, lat: 53.35, lon: -6.26, continent: "EU" },
    ],
    // The test, not the prober or the clock, moves the circuits.
    vars: {
      MEMORIA_ROUTER__PROBE_INTERVAL_MS: "600000",
      MEMORIA_ROUTER__BREAKER_COOLDOWN_MS: "600000",
    },
  });
  await router.scheduled();
});
afterAll(async () => {
  await router?.stop();
  await Promise.all([a?.stop(), b?.stop()]);
});

async function healthObject(): Promise<HealthCalls> {
  const namespace = await router.mf.getDurableObjectNamespace("HEALTH");
  return namespace.get(namespace.idFromName("global")) as unknown as HealthCalls;
}

async function calls(): Promise<Record<string, number>> {
  // Copied out of Miniflare's proxy into a plain object.
  return { ...(await (await healthObject()).callCounts()) };
}

function hello(): Promise<Response> {
  return router.fetch("/hello", { cf: NEW_YORK });
}

/** Reads `reader` until `bytes` have arrived (or the body ends); what arrived, in order. */
async function readAtLeast(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  bytes: number,
): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < bytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  return chunks;
}

/** `promise`, or a failure naming `what` if it has not settled within `ms` (a hang, not a speed). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

describe("a GET's answer", () => {
  it("reaches the client while the region still holds the rest back: streamed, not held whole", async () => {
    const response = await fetch(`${router.url}/stream`);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-memoria-region")).toBe("region-a");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    // The region sends the rest only after this first part reached the client.
    const first = await within(
      readAtLeast(reader, FIRST_PART_BYTES),
      30_000,
      "the first part through the router",
    );
    a.release();
    const rest = await readAtLeast(reader, Number.POSITIVE_INFINITY);
    const body = Buffer.concat([...first, ...rest]);
    expect(body.byteLength).toBe(a.totalBytes);
    const misplaced = body.findIndex((byte, i) => byte !== streamByte(i));
    expect(misplaced).toBe(-1);
  });

  it("to a HEAD carries the region's headers and no body", async () => {
    const response = await fetch(`${router.url}/stream`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(response.headers.get("x-memoria-region")).toBe("region-a");
    expect((await response.arrayBuffer()).byteLength).toBe(0);
  });
});

describe("the shared health object", () => {
  it("is not called on a healthy region's GETs: only the isolate's periodic refresh and hand-over", async () => {
    expect((await hello()).status).toBe(200); // the isolate's copy is fresh from here
    const before = await calls();
    const started = Date.now();
    const REQUESTS = 100;
    for (let i = 0; i < REQUESTS; i++) {
      const response = await hello();
      expect(response.status).toBe(200);
      expect(response.headers.get("x-memoria-region")).toBe("region-a");
    }
    const elapsed = Date.now() - started;
    const after = await calls();
    const made = (method: string) => (after[method] ?? 0) - (before[method] ?? 0);
    for (const method of ["reportSuccess", "reportFailure", "claimTrial", "recordFailover"])
      expect(made(method), method).toBe(0);
    // Bounds by the clock, not timings: each refresh waits for the copy to age past the TTL,
    // each hand-over for the interval (plus one of each already on its way).
    expect(made("snapshot")).toBeLessThanOrEqual(Math.ceil(elapsed / SNAPSHOT_TTL_MS) + 1);
    expect(made("addMetrics")).toBeLessThanOrEqual(Math.ceil(elapsed / METRICS_HANDOVER_MS) + 1);
    expect(made("snapshot") + made("addMetrics")).toBeLessThan(REQUESTS);
  });

  it("tells the isolate of a region another isolate found down, without a request failing here", async () => {
    await (await healthObject()).reportFailure("region-a", "found down by another isolate");
    const before = await calls();
    let elsewhere: Response | undefined;
    for (let i = 0; i < 200 && elsewhere === undefined; i++) {
      const response = await hello();
      expect(response.status).toBe(200);
      if (response.headers.get("x-memoria-region") === "region-b") elsewhere = response;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(elsewhere, "a request served by region-b").toBeDefined();
    // Passed over for its open circuit, as the object said: not tried and failed here.
    expect(elsewhere?.headers.get("x-memoria-failover")).toBe("region-a");
    const after = await calls();
    expect((after.reportFailure ?? 0) - (before.reportFailure ?? 0)).toBe(0);
    expect((after.recordFailover ?? 0) - (before.recordFailover ?? 0)).toBe(0);
  });
});
