import { describe, expect, it } from "vitest";
import { renderExposition } from "./exposition.js";

describe("the Prometheus text exposition", () => {
  it("groups a histogram's samples under one family, buckets in le order, and escapes label values", () => {
    const text = renderExposition(
      [
        { name: "h_count", labels: {}, value: 2 },
        { name: "h_bucket", labels: { le: "+Inf" }, value: 2 },
        { name: "h_bucket", labels: { le: "0.5" }, value: 1 },
        { name: "h_sum", labels: {}, value: 0.75 },
        { name: "c_total", labels: { path: 'a"b\\c\nd' }, value: 3 },
        { name: "g", labels: {}, value: Number.NaN },
      ],
      { h: ["histogram", "A histogram."], c_total: ["counter", "A counter."] },
    );
    expect(text).toBe(
      [
        "# HELP c_total A counter.",
        "# TYPE c_total counter",
        'c_total{path="a\\"b\\\\c\\nd"} 3',
        "# TYPE g untyped",
        "g NaN",
        "# HELP h A histogram.",
        "# TYPE h histogram",
        'h_bucket{le="0.5"} 1',
        'h_bucket{le="+Inf"} 2',
        "h_count 2",
        "h_sum 0.75",
        "",
      ].join("\n"),
    );
  });
});
