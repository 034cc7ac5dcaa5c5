import {
  expositionResponse,
  type MetricSample,
  ProblemError,
  presentedKey,
  sameSecret,
} from "@memoria/sync-core";
import type { Context } from "hono";
import { type RouterBindings, routerConfig } from "./config.js";
import { flushMetrics, ROUTER_METRIC_HELP } from "./metrics.js";
import { healthObject } from "./shared-health.js";
import type { RoutingSnapshot } from "./snapshot.js";

type RouterEnv = { Bindings: RouterBindings };

const CHALLENGE = { "www-authenticate": 'ApiKey header="X-API-Key", Bearer realm="memoria"' };
const CIRCUIT_VALUE = { closed: 0, "half-open": 1, open: 2 } as const;

/**
 * `GET /metrics`: the router's own metrics (the regions' are on each region's `/metrics`).
 * Like a region's, it needs `auth.monitor_key` (the router's probe credential; a scraper
 * sends it as its bearer token) or the root key, unless `auth.public_health = true`.
 */
export async function metricsRoute(c: Context<RouterEnv>): Promise<Response> {
  await requireMonitor(c);
  const health = healthObject(c.env);
  // This isolate's own counts first, so a scrape shows every request it answered before.
  await flushMetrics((samples) => health.addMetrics(samples));
  const { counters, snapshot } = await health.metrics();
  // A counter that has never moved is still reported, at 0, so dashboards and alerts see it.
  const moved = new Set(counters.map((sample) => sample.name));
  const zeros = Object.entries(ROUTER_METRIC_HELP)
    .filter(([name, [type]]) => type === "counter" && !moved.has(name))
    .map(([name]): MetricSample => ({ name, labels: {}, value: 0 }));
  return expositionResponse([...counters, ...zeros, ...gauges(snapshot)], ROUTER_METRIC_HELP);
}

function gauges(snapshot: RoutingSnapshot): MetricSample[] {
  return snapshot.regions.flatMap((view): MetricSample[] => {
    const region = { region: view.id };
    return [
      { name: "router_circuit_state", labels: region, value: CIRCUIT_VALUE[view.circuit] },
      { name: "router_region_healthy", labels: region, value: view.healthy ? 1 : 0 },
      {
        name: "router_region_is_writer",
        labels: region,
        value: snapshot.writer === view.id ? 1 : 0,
      },
    ];
  });
}

async function requireMonitor(c: Context<RouterEnv>): Promise<void> {
  const { config } = routerConfig(c.env as unknown as Record<string, unknown>);
  if (config.auth.public_health) return;
  const secrets = [config.auth.monitor_key, config.api_key].filter(
    (secret): secret is string => secret !== undefined,
  );
  const presented = presentedKey(c.req);
  if (presented !== undefined)
    for (const secret of secrets) if (await sameSecret(presented, secret)) return;
  throw new ProblemError(
    401,
    {
      detail:
        secrets.length === 0
          ? "set MEMORIA_AUTH__MONITOR_KEY on the router (or auth.public_health = true) to scrape /metrics"
          : presented === undefined
            ? "send the router's auth.monitor_key as X-API-Key or Authorization: Bearer"
            : "the key is not the router's auth.monitor_key",
      errors: [
        { field: "X-API-Key", message: presented === undefined ? "is required" : "unknown key" },
      ],
    },
    CHALLENGE,
  );
}
