/**
 * Failover speed: region-a is stopped, and requests are sent back to back through the
 * router; the time from the stop to the first answer served by another region.
 */
import type { Topology } from "@memoria/gateway/local/topology";
import { round } from "../../../../test/bench/stats.js";
import { timed } from "./latency.js";

export interface Failover {
  region_stop_took_ms: number;
  first_served_elsewhere_after_stop_ms: number | null;
  that_request_took_ms: number | null;
}

export async function failover(
  topology: Topology,
  routerUrl: string,
  memoryId: string,
): Promise<Failover> {
  const stoppedAt = performance.now();
  await topology.region("region-a").stop();
  const afterStop = performance.now() - stoppedAt;
  for (let i = 0; i < 1_000; i++) {
    const r = await timed(`${routerUrl}/memory/${memoryId}`, topology.apiKey);
    if (r.status === 200 && r.region !== "region-a")
      return {
        region_stop_took_ms: round(afterStop, 2),
        first_served_elsewhere_after_stop_ms: round(performance.now() - stoppedAt, 2),
        that_request_took_ms: round(r.ms, 2),
      };
  }
  return {
    region_stop_took_ms: round(afterStop, 2),
    first_served_elsewhere_after_stop_ms: null,
    that_request_took_ms: null,
  };
}
