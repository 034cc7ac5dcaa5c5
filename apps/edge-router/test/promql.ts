/**
 * Just enough PromQL to name the metrics a query reads: string literals, label matchers,
 * ranges, numbers and durations go; grouping and matching label lists go; an identifier
 * followed by `(` is a function or an aggregation; keywords are not names. What is left
 * are the selectors' metric names. (`promtool check rules` checks the syntax itself.)
 */
const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "inf",
  "nan",
]);

export function metricNames(expr: string): Set<string> {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, " ")
    .replace(/\b\d+(?:\.\d+)?(?:ms|s|m|h|d|w|y)\b/g, " ")
    .replace(/(?<![\w:])\d*\.?\d+(?:e[+-]?\d+)?/gi, " ");
  const names = new Set<string>();
  for (const match of bare.matchAll(/([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match as unknown as [string, string, string | undefined];
    if (call || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return names;
}

/** A Grafana query as Prometheus sees it: its interval variables as a duration, others as `.*`. */
export function withGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, "5m")
    .replace(/\$\{\w+(?::\w+)?\}|\$\w+/g, ".*");
}

export interface DashboardQuery {
  where: string;
  expr: string;
}

/** Every PromQL expression of a Grafana dashboard: panel targets, annotations, variables. */
export function dashboardQueries(dashboard: GrafanaDashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const panels = (list: GrafanaPanel[] = []): void => {
    for (const panel of list) {
      for (const target of panel.targets ?? [])
        if (target.expr) out.push({ where: `panel "${panel.title}"`, expr: target.expr });
      panels(panel.panels);
    }
  };
  panels(dashboard.panels);
  for (const annotation of dashboard.annotations?.list ?? [])
    if (annotation.expr)
      out.push({ where: `annotation "${annotation.name}"`, expr: annotation.expr });
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === "string" ? variable.query : variable.query?.query;
    // label_values(<selector>, <label>): the selector is the query.
    const selector = query && /^label_values\((.+),\s*\w+\s*\)$/.exec(query)?.[1];
    if (selector) out.push({ where: `variable "${variable.name}"`, expr: selector });
  }
  return out;
}

interface GrafanaPanel {
  title: string;
  targets?: Array<{ expr?: string }>;
  panels?: GrafanaPanel[];
}

export interface GrafanaDashboard {
  title: string;
  schemaVersion: number;
  panels?: GrafanaPanel[];
  annotations?: { list: Array<{ name: string; expr?: string }> };
  templating?: {
    list: Array<{ name: string; type: string; query?: string | { query?: string } }>;
  };
}
