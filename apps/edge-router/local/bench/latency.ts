/**
 * The router's added latency, one request at a time: GET /memory/:id and POST /memory
 * straight to region-a and the same through the router (a New York client, routed to
 * region-a), interleaved so both see the same machine load.
 */
import { type Quantiles, quantiles, round } from "../../../../test/bench/stats.js";

export interface Timed {
  ms: number;
  region: string | null;
  status: number;
}

export async function timed(url: string, apiKey: string, init: RequestInit = {}): Promise<Timed> {
  const started = performance.now();
  const response = await fetch(url, {
    ...init,
    headers: init.body
      ? { "x-api-key": apiKey, "content-type": "application/json" }
      : { "x-api-key": apiKey },
  });
  await response.arrayBuffer();
  return {
    ms: performance.now() - started,
    region: response.headers.get("x-memoria-region"),
    status: response.status,
  };
}

export interface DirectAndRouted {
  direct_ms: Quantiles;
  router_ms: Quantiles;
  /** Router minus direct, p50 and p99 (difference of the quantiles, not of pairs). */
  added_ms: Quantiles;
}

function compare(direct: number[], routed: number[]): DirectAndRouted {
  const d = quantiles(direct, 2);
  const r = quantiles(routed, 2);
  return {
    direct_ms: d,
    router_ms: r,
    added_ms: { p50: round(r.p50 - d.p50, 2), p99: round(r.p99 - d.p99, 2) },
  };
}

const WARMUP = 50;

/** A read answers 200, a write 201, and what went through the router was served by region-a. */
function expected(name: string, answer: Timed): boolean {
  const status = name.startsWith("get") ? 200 : 201;
  return answer.status === status && (!name.endsWith("Routed") || answer.region === "region-a");
}

/** `requests` rounds of GET direct, GET routed, POST direct, POST routed (after untimed warm-up rounds). */
export async function interleaved(
  urls: { direct: string; router: string },
  apiKey: string,
  memoryId: string,
  requests: number,
): Promise<{ get: DirectAndRouted; write: DirectAndRouted }> {
  const samples = {
    getDirect: [] as number[],
    getRouted: [] as number[],
    writeDirect: [] as number[],
    writeRouted: [] as number[],
  };
  const write = { method: "POST", body: JSON.stringify({ text: "bench router", y: 5 }) };
  for (let i = 0; i < WARMUP + requests; i++) {
    const answers = {
      getDirect: await timed(`${urls.direct}/memory/${memoryId}`, apiKey),
      getRouted: await timed(`${urls.router}/memory/${memoryId}`, apiKey),
      writeDirect: await timed(`${urls.direct}/memory`, apiKey, write),
      writeRouted: await timed(`${urls.router}/memory`, apiKey, write),
    };
    const wrong = Object.entries(answers).find(([name, answer]) => !expected(name, answer));
    if (wrong) throw new Error(`unexpected answer: ${JSON.stringify(wrong)}`);
    if (i < WARMUP) continue;
    for (const [name, answer] of Object.entries(answers))
      samples[name as keyof typeof samples].push(answer.ms);
  }
  return {
    get: compare(samples.getDirect, samples.getRouted),
    write: compare(samples.writeDirect, samples.writeRouted),
  };
}
