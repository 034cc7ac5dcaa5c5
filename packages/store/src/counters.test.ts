import { describe, expect, it } from "vitest";
import { histogramIncrements } from "./counters.js";

describe("histogramIncrements", () => {
  it("counts several observations into cumulative buckets, with their sum and count", () => {
    const rows = histogramIncrements("lat", { origin: "a" }, [0.001, 0.3, 100, -2]);
    const bucket = (le: string) =>
      rows.find((row) => row.name === "lat_bucket" && row.labels.le === le)?.by;
    // A negative latency (a peer clock ahead of ours) counts as 0.
    expect(bucket("0.005")).toBe(2);
    expect(bucket("0.25")).toBe(2);
    expect(bucket("0.5")).toBe(3);
    expect(bucket("60")).toBe(3);
    expect(bucket("300")).toBe(4);
    expect(bucket("+Inf")).toBe(4);
    expect(rows.find((row) => row.name === "lat_count")).toMatchObject({
      labels: { origin: "a" },
      by: 4,
    });
    expect(rows.find((row) => row.name === "lat_sum")?.by).toBeCloseTo(100.301);
  });
});
