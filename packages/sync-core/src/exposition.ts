/**
 * The Prometheus text exposition format (version 0.0.4), for the gateway's and the
 * router's `/metrics`: one renderer, so both expose samples the same way.
 */

export type MetricType = "counter" | "gauge" | "histogram";

/** What each metric family is, for `# TYPE` and `# HELP`. */
export type MetricHelp = Record<string, [type: MetricType, help: string]>;

/** One sample: a family's name (a histogram's with `_bucket`/`_sum`/`_count`), labels, value. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A histogram sample's family (`x_bucket` → `x`); other names are their own family. */
export function familyOf(name: string): string {
  return name.replace(/_(bucket|sum|count)$/, "");
}

/** The exposition of `samples`, families sorted by name, each with its `# HELP` and `# TYPE`. */
export function renderExposition(samples: readonly MetricSample[], help: MetricHelp): string {
  const byFamily = new Map<string, MetricSample[]>();
  for (const sample of samples) {
    const family = help[sample.name] ? sample.name : familyOf(sample.name);
    byFamily.set(family, [...(byFamily.get(family) ?? []), sample]);
  }
  const lines: string[] = [];
  for (const [family, members] of [...byFamily].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [type, text] = help[family] ?? ["untyped", ""];
    if (text) lines.push(`# HELP ${family} ${text}`);
    lines.push(`# TYPE ${family} ${type}`);
    for (const sample of sortBuckets(members))
      lines.push(`${sample.name}${labelText(sample.labels)} ${formatValue(sample.value)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Series by label set; within one, buckets first in `le` order, then `_sum` and `_count`. */
function sortBuckets(samples: MetricSample[]): MetricSample[] {
  const le = (sample: MetricSample) =>
    sample.labels.le === undefined
      ? 0
      : sample.labels.le === "+Inf"
        ? Number.POSITIVE_INFINITY
        : Number(sample.labels.le);
  const key = (sample: MetricSample) =>
    `${sample.name.endsWith("_bucket") ? 0 : 1}${JSON.stringify({ ...sample.labels, le: undefined })}`;
  return [...samples].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : le(a) - le(b)));
}

function labelText(values: Record<string, string>): string {
  const entries = Object.entries(values);
  if (entries.length === 0) return "";
  const quoted = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `{${entries.map(([k, v]) => `${k}="${quoted(v)}"`).join(",")}}`;
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Number.isFinite(value)
    ? value.toPrecision(12).replace(/\.?0+$/, "")
    : Number.isNaN(value)
      ? "NaN"
      : value > 0
        ? "+Inf"
        : "-Inf";
}

/** A scrape's response: the exposition, never cached. */
export function expositionResponse(samples: readonly MetricSample[], help: MetricHelp): Response {
  return new Response(renderExposition(samples, help), {
    headers: { "content-type": EXPOSITION_CONTENT_TYPE, "cache-control": "no-store" },
  });
}
