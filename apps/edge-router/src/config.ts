import {
  ConfigError,
  createLogger,
  type Logger,
  loadConfig,
  type MemoriaConfig,
  misconfigured,
  type RegionConfig,
} from "@memoria/sync-core";

export interface RouterBindings {
  HEALTH: DurableObjectNamespace<import("./health.js").RegionHealth>;
  MEMORIA_TOML?: string;
  [name: string]: unknown;
}

export interface RouterConfig {
  config: MemoriaConfig;
  regions: RegionConfig[];
  /** JSON lines at `logging.level`. Never given credentials: callers log method and path only. */
  log: Logger;
}

/**
 * Regions and router settings from the same schema the gateways use (`MEMORIA_REGIONS`,
 * `MEMORIA_ROUTER__…`). A region is reached by its `url`, or by the service binding
 * named in `service`, which must exist in this worker.
 */
export function routerConfig(bindings: Record<string, unknown>): RouterConfig {
  // The bindings object is the same for the isolate's life: parse it once.
  const known = parsed.get(bindings);
  if (known) return known;
  const result = parseRouterConfig(bindings);
  parsed.set(bindings, result);
  return result;
}

const parsed = new WeakMap<object, RouterConfig>();

function parseRouterConfig(bindings: Record<string, unknown>): RouterConfig {
  const env = Object.fromEntries(
    Object.entries(bindings).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
  try {
    const { config, warnings } = loadConfig({
      ...(env.MEMORIA_TOML ? { toml: env.MEMORIA_TOML } : {}),
      env,
    });
    const regions = config.regions.filter((region) => region.enabled);
    if (regions.length === 0) {
      throw new ConfigError([{ key: "regions", message: "needs at least one enabled region" }]);
    }
    const unbound = regions.filter(
      (region) => region.url === undefined && !isFetcher(bindings[region.service as string]),
    );
    if (unbound.length > 0) {
      throw new ConfigError(
        unbound.map((region) => ({
          key: `regions.${region.id}.service`,
          message: `no service binding named "${region.service}" in this worker`,
        })),
      );
    }
    const log = createLogger({ level: config.logging.level }).with({ service: "edge-router" });
    // Parsed once per isolate, so each warning is written once per isolate.
    for (const warning of warnings) log.warn("config.warning", { warning });
    return { config, regions, log };
  } catch (error) {
    return misconfigured(error, "Router misconfigured");
  }
}

/**
 * How to reach a region: by its URL, or through a service binding (no public hop). Either
 * way a request keeps the region's own origin plus the client's path.
 */
export interface RegionLink {
  /** The origin requests are addressed to (`https://<id>.internal` for a binding). */
  base: string;
  fetch(request: Request): Promise<Response>;
}

export function linkTo(region: RegionConfig, bindings: Record<string, unknown>): RegionLink {
  if (region.url !== undefined) return { base: region.url, fetch: (request) => fetch(request) };
  const binding = bindings[region.service as string] as Fetcher;
  return { base: `https://${region.id}.internal`, fetch: (request) => binding.fetch(request) };
}

export function regionConfig(regions: RegionConfig[], id: string): RegionConfig {
  const region = regions.find((r) => r.id === id);
  if (!region) throw new Error(`unknown region ${id}`);
  return region;
}

function isFetcher(value: unknown): value is Fetcher {
  return (
    typeof value === "object" && value !== null && typeof (value as Fetcher).fetch === "function"
  );
}
