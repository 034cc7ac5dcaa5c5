import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunningRegion } from "@memoria/gateway/local/region";
import type { Topology } from "@memoria/gateway/local/topology";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePromtool } from "../../gateway/test/promtool.js";
import type { RunningRouter } from "../local/router.js";
import { ROUTER_METRIC_HELP } from "../src/metrics.js";
import { parseExposition, type Scrape, sampleSum } from "./exposition.js";
import {
  type DashboardQuery,
  dashboardQueries,
  type GrafanaDashboard,
  metricNames,
  withGrafanaVariables,
} from "./promql.js";
import { startRegions, startTestRouter } from "./regions.js";

/**
 * The dashboards (infra/grafana) and the alert rules (infra/prometheus) against a live
 * topology: two gateways and the router in workerd over the real Redis and PostgreSQL,
 * after writes (in two team spaces) and a failover. Every metric a query names must be
 * in a scrape of the running services, and every query must parse (promtool).
 */

const infra = fileURLToPath(new URL("../../../infra/", import.meta.url));
const NEW_YORK = { latitude: "40.71", longitude: "-74.01", continent: "NA" };

let topology: Topology;
let a: RunningRegion;
let b: RunningRegion;
let router: RunningRouter;
const scrapes: Record<"router" | "a" | "b", Scrape> = {} as Record<"router" | "a" | "b", Scrape>;
/** The raw expositions, for promtool check metrics. */
const texts: string[] = [];

beforeAll(async () => {
  topology = await startRegions("mx");
  a = topology.region("region-a");
  b = topology.region("region-b");
  router = await startTestRouter(topology);
  await exercise();
  texts.push(await scrape(router.url), await scrape(a.url), await scrape(b.url));
  [scrapes.router, scrapes.a, scrapes.b] = texts.map(parseExposition) as [Scrape, Scrape, Scrape];
});
afterAll(async () => {
  await router?.stop();
  await topology?.stop();
});

/** Writes through the router (two team spaces and none), replication to B, then A dies and comes back. */
async function exercise(): Promise<void> {
  const teams = ["alpha", "alpha", "bravo", null];
  const ids: string[] = [];
  for (const team of teams) {
    const response = await router.fetch("/memory", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: `metrics ${team}`, y: 5, ...(team ? { team } : {}) }),
      cf: NEW_YORK,
    });
    expect(response.status).toBe(201);
    ids.push(((await response.json()) as { memory: { id: string } }).memory.id);
  }
  const last = ids[ids.length - 1] as string;
  await eventually(async () => {
    const response = await fetch(`${b.url}/memory/${last}`, {
      headers: { "x-api-key": topology.apiKey },
    });
    await response.arrayBuffer();
    return response.status === 200 ? true : undefined;
  });
  await a.stop();
  const failedOver = await router.fetch(`/memory/${last}`, { cf: NEW_YORK });
  expect(failedOver.headers.get("x-memoria-failover")).toBe("region-a");
  await failedOver.arrayBuffer();
  a = await topology.restart("region-a");
  // The router's counts reach its health object after each response (waitUntil).
  await eventually(async () => {
    const text = await scrape(router.url);
    return sampleSum(parseExposition(text), "router_failovers_total") > 0 ? true : undefined;
  });
}

async function scrape(base: string): Promise<string> {
  const response = await fetch(`${base}/metrics`, {
    headers: { authorization: `Bearer ${topology.monitorKey}` },
  });
  expect(response.status, base).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

function dashboards(): Array<{ file: string; dashboard: GrafanaDashboard }> {
  const dir = join(infra, "grafana");
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .map((file) => ({
      file,
      dashboard: JSON.parse(readFileSync(join(dir, file), "utf8")) as GrafanaDashboard,
    }));
}

function alertQueries(): DashboardQuery[] {
  const rules = readFileSync(join(infra, "prometheus", "alerts.yml"), "utf8");
  // Each `expr:` is one line, or a `|` block of lines indented deeper than the key.
  return [
    ...rules.matchAll(
      /^(\s*)- alert: (\S+)\n(?:\1 .*\n)*?\1\s+expr: (\|\n((?:\1\s{4,}.*\n)+)|.+)/gm,
    ),
  ].map((m) => ({ where: `alert ${m[2]}`, expr: (m[4] ?? m[3] ?? "").trim() }));
}

/** Every name a scrape exposes (a histogram's as `_bucket`, `_sum`, `_count`). */
function exposed(): Set<string> {
  return new Set(Object.values(scrapes).flatMap((s) => s.samples.map((sample) => sample.name)));
}

describe("the dashboards and alerts against a live scrape", () => {
  it("name only metrics the running gateways and router expose", () => {
    const names = exposed();
    const queries = [
      ...dashboards().flatMap(({ file, dashboard }) =>
        dashboardQueries(dashboard).map((q) => ({ ...q, where: `${file} ${q.where}` })),
      ),
      ...alertQueries(),
    ];
    expect(queries.length).toBeGreaterThan(40);
    expect(queries.filter((q) => q.where.startsWith("alert")).length).toBe(11);
    const missing = queries.flatMap((q) =>
      [...metricNames(withGrafanaVariables(q.expr))]
        .filter((name) => !names.has(name))
        .map((name) => `${q.where}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it("cover every router metric, and each dashboard is importable JSON with a Prometheus datasource variable", () => {
    const used = new Set(
      dashboards().flatMap(({ dashboard }) =>
        dashboardQueries(dashboard).flatMap((q) => [...metricNames(withGrafanaVariables(q.expr))]),
      ),
    );
    for (const family of Object.keys(ROUTER_METRIC_HELP)) {
      const names =
        ROUTER_METRIC_HELP[family]?.[0] === "histogram" ? [`${family}_bucket`] : [family];
      for (const name of names) expect([...used], name).toContain(name);
    }
    for (const { file, dashboard } of dashboards()) {
      expect(dashboard.schemaVersion, file).toBeGreaterThanOrEqual(39);
      const variable = dashboard.templating?.list.find((v) => v.type === "datasource");
      expect(variable?.query, file).toBe("prometheus");
    }
    expect(
      dashboards()
        .map((d) => d.dashboard.title)
        .sort(),
    ).toEqual(["Memoria Edge — Failover Timeline", "Memoria Edge — Topology Overview"]);
  });

  it("parse as PromQL (promtool check rules), and every exposition passes promtool check metrics", () => {
    const promtool = ensurePromtool();
    const queries = dashboards().flatMap(({ dashboard }) => dashboardQueries(dashboard));
    const dir = mkdtempSync(join(tmpdir(), "memoria-dashboards-"));
    const rules = queries
      .map(
        (q, i) =>
          `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(withGrafanaVariables(q.expr))}`,
      )
      .join("\n");
    writeFileSync(
      join(dir, "queries.yml"),
      `groups:\n  - name: dashboards\n    rules:\n${rules}\n`,
    );
    expect(
      execFileSync(promtool, ["check", "rules", "queries.yml"], { cwd: dir, encoding: "utf8" }),
    ).toContain("SUCCESS");
    // Lints each exposition (names, types, help); a problem exits non-zero and throws here.
    for (const text of texts)
      execFileSync(promtool, ["check", "metrics"], { input: text, encoding: "utf8" });
  });
});

describe("what the scrapes say", () => {
  it("the router counted the writes, the failover and the circuit it opened", () => {
    const router = scrapes.router;
    expect(
      sampleSum(router, "router_requests_total", { outcome: "served", region: "region-a" }),
    ).toBeGreaterThanOrEqual(4);
    expect(
      sampleSum(router, "router_requests_total", { outcome: "failed_over", region: "region-b" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleSum(router, "router_failovers_total", { from: "region-a", to: "region-b" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleSum(router, "router_circuit_opened_total", { region: "region-a" }),
    ).toBeGreaterThanOrEqual(1);
    // Every proxied request observed once in the added-latency histogram.
    expect(sampleSum(router, "router_added_latency_seconds_count")).toBe(
      sampleSum(router, "router_requests_total"),
    );
    expect(sampleSum(router, "router_added_latency_seconds_bucket", { le: "+Inf" })).toBe(
      sampleSum(router, "router_added_latency_seconds_count"),
    );
    for (const region of ["region-a", "region-b"]) {
      const state = router.samples.find(
        (s) => s.name === "router_circuit_state" && s.labels.region === region,
      );
      expect([0, 1, 2]).toContain(state?.value);
    }
    expect(sampleSum(router, "router_region_is_writer", { region: "region-a" })).toBe(1);
    expect(router.types.get("router_added_latency_seconds")).toBe("histogram");
  });

  it("the gateways show their band, namespace and records per team space", () => {
    const prefix = "team";
    expect(sampleSum(scrapes.a, "sync_privacy_floor", { region: "region-a" })).toBe(-15);
    expect(sampleSum(scrapes.a, "sync_privacy_ceiling", { region: "region-a" })).toBe(15);
    expect(sampleSum(scrapes.b, "sync_privacy_floor", { region: "region-b" })).toBe(0);
    expect(sampleSum(scrapes.b, "sync_privacy_ceiling", { region: "region-b" })).toBe(12);
    for (const scrape of [scrapes.a, scrapes.b]) {
      const info = scrape.samples.find((s) => s.name === "sync_namespace_info");
      expect(info?.labels).toMatchObject({ namespace: topology.namespace, team_prefix: prefix });
      expect(info?.value).toBe(1);
      const records = (team: string) =>
        sampleSum(scrape, "sync_namespace_records", {
          namespace: topology.namespace,
          team_namespace: team,
        });
      expect(records(`${prefix}-alpha`)).toBe(2);
      expect(records(`${prefix}-bravo`)).toBe(1);
      expect(records("(none)")).toBe(1);
    }
  });

  it("a scrape needs the monitor key: 401 problem+json without it or with another", async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { "x-api-key": "not-the-monitor-key-at-all" },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${router.url}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.headers.get("www-authenticate")).toMatch(/Bearer/);
      const body = (await response.json()) as { errors: Array<{ field: string }> };
      expect(body.errors[0]?.field).toBe("X-API-Key");
    }
  });

  it("counts only grow: a later scrape has every counter at least as high", async () => {
    await (await router.fetch("/memory?limit=1", { cf: NEW_YORK })).arrayBuffer();
    const later = await eventually(async () => {
      const next = parseExposition(await scrape(router.url));
      return sampleSum(next, "router_requests_total") >
        sampleSum(scrapes.router, "router_requests_total")
        ? next
        : undefined;
    });
    for (const sample of scrapes.router.samples) {
      if (scrapes.router.types.get(sample.name.replace(/_(bucket|sum|count)$/, "")) === "gauge")
        continue;
      if (sample.name.startsWith("router_circuit_state")) continue;
      expect(sampleSum(later, sample.name, sample.labels), sample.name).toBeGreaterThanOrEqual(
        sample.value,
      );
    }
  });
});
