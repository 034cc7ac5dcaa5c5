import type { MetricSample } from "@memoria/sync-core";
import { describe, expect, it } from "vitest";
import { Meter } from "./meter.js";
import { countLocally, flushMetrics, observation, seriesKey } from "./metrics.js";

const one = (outcome: string): MetricSample => ({
  name: "router_requests_total",
  labels: { outcome },
  value: 1,
});

describe("handing an isolate's counts to the health object", () => {
  it("sends each count once, one hand-over at a time, and keeps what a failed one carried", async () => {
    const sent: MetricSample[][] = [];
    let inFlight = 0;
    let fail = true;
    const send = async (samples: MetricSample[]) => {
      inFlight += 1;
      expect(inFlight).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      if (fail) {
        fail = false;
        throw new Error("object reset");
      }
      sent.push(samples);
    };
    countLocally([one("served"), one("served")]);
    const first = flushMetrics(send);
    countLocally([one("failed_over")]);
    const second = flushMetrics(send);
    await Promise.all([first, second]);
    // The first hand-over failed: its counts went with the second.
    expect(sent).toHaveLength(1);
    const totals = Object.fromEntries(
      (sent[0] ?? []).map((s) => [s.labels.outcome, s.value] as const),
    );
    expect(totals).toEqual({ served: 2, failed_over: 1 });
    await flushMetrics(send);
    expect(sent).toHaveLength(1);
  });

  it("names a series by its labels whatever their order", () => {
    expect(seriesKey({ name: "x", labels: { a: "1", b: "2" } })).toBe(
      seriesKey({ name: "x", labels: { b: "2", a: "1" } }),
    );
  });

  it("observes a latency in every bucket at or above it, +Inf, sum and count", () => {
    const rows = observation("h", 0.004);
    const buckets = rows.filter((r) => r.name === "h_bucket").map((r) => r.labels.le);
    expect(buckets[0]).toBe("0.005");
    expect(buckets.at(-1)).toBe("+Inf");
    expect(rows.find((r) => r.name === "h_sum")?.value).toBe(0.004);
  });
});

describe("a request's outcome", () => {
  const outcome = (meter: Meter, status: number, thrown: boolean) =>
    meter.close(status, thrown).find((s) => s.name === "router_requests_total")?.labels;

  it("served, failed over, refused, unavailable, rejected, error", () => {
    const served = new Meter();
    served.served("region-a", false);
    expect(outcome(served, 200, false)).toEqual({
      region: "region-a",
      outcome: "served",
      code: "2xx",
    });
    const failedOver = new Meter();
    failedOver.served("region-b", true);
    failedOver.failover("region-a", "region-b");
    const rows = failedOver.close(200, false);
    expect(rows.find((s) => s.name === "router_requests_total")?.labels.outcome).toBe(
      "failed_over",
    );
    expect(rows.find((s) => s.name === "router_failovers_total")?.labels).toEqual({
      from: "region-a",
      to: "region-b",
    });
    const refused = new Meter();
    refused.refused("region-a");
    expect(outcome(refused, 503, true)).toEqual({
      region: "region-a",
      outcome: "refused",
      code: "5xx",
    });
    expect(outcome(new Meter(), 503, true)?.outcome).toBe("unavailable");
    expect(outcome(new Meter(), 413, true)?.outcome).toBe("rejected");
    expect(outcome(new Meter(), 500, true)?.outcome).toBe("error");
  });
});
