/** An HTTP load run with autocannon: many connections at once, as a busy edge would see them. */
import autocannon from "autocannon";
import { round } from "../../../../test/bench/stats.js";

export interface LoadResult {
  requests_per_s: number;
  requests: number;
  latency_ms: { p50: number; p99: number };
  /** Connection errors; autocannon counts timeouts among them too. */
  errors: number;
  timeouts: number;
  non2xx: number;
}

export async function loadRun(
  url: string,
  apiKey: string,
  options: { seconds: number; connections: number },
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    headers: { "x-api-key": apiKey },
  });
  return {
    requests_per_s: round(result.requests.average),
    requests: result.requests.total,
    latency_ms: { p50: result.latency.p50, p99: result.latency.p99 },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}
