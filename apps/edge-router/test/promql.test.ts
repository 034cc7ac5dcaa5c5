import { describe, expect, it } from "vitest";
import { metricNames, withGrafanaVariables } from "./promql.js";

describe("the PromQL metric-name extractor the dashboard test relies on", () => {
  it("finds selectors and nothing else", () => {
    const cases: Array<[string, string[]]> = [
      ["sync_lag_seconds", ["sync_lag_seconds"]],
      ['max by (region) (sync_lag_seconds{region=~"a|b"}) > 60', ["sync_lag_seconds"]],
      ["histogram_quantile(0.99, sum by (le, origin) (rate(x_bucket[10m]))) > 5", ["x_bucket"]],
      [
        "min_over_time(a[10m]) > 0 and on (region) sum by (region) (delta(b_total[10m] offset 1h)) == 0",
        ["a", "b_total"],
      ],
      ['up{job="sum(fake_metric)"} unless ignoring(le) c', ["c", "up"]],
      ["x * 1e3 / on (region) group_left (team) y", ["x", "y"]],
      ["rate(z[5m:30s])", ["z"]],
    ];
    for (const [expr, names] of cases) expect([...metricNames(expr)].sort(), expr).toEqual(names);
  });

  it("reads Grafana's variables as Prometheus would see them", () => {
    expect(withGrafanaVariables('rate(a{region=~"$region"}[$__rate_interval])')).toBe(
      'rate(a{region=~".*"}[5m])',
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's ${var:format} syntax, not a template.
    expect(withGrafanaVariables('a{r=~"${region:regex}"}')).toBe('a{r=~".*"}');
  });
});
