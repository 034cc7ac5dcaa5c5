import {
  ConfigError,
  loadConfig,
  type MemoriaConfig,
  ProblemError,
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
}

/** Regions and router settings from the same schema the gateways use (`MEMORIA_REGIONS`, `MEMORIA_ROUTER__…`). */
export function routerConfig(bindings: Record<string, unknown>): RouterConfig {
  const env = Object.fromEntries(
    Object.entries(bindings).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
  try {
    const { config } = loadConfig({ ...(env.MEMORIA_TOML ? { toml: env.MEMORIA_TOML } : {}), env });
    const regions = config.regions.filter((region) => region.enabled && region.url !== undefined);
    if (regions.length === 0)
      throw new ConfigError([
        { key: "regions", message: "needs at least one enabled region with a url" },
      ]);
    return { config, regions };
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new ProblemError(500, {
        title: "Router misconfigured",
        detail: error.message,
        errors: error.issues.map((i) => ({ field: i.key, message: i.message })),
      });
    }
    throw error;
  }
}
