import { createLogger, type Logger, type MemoriaConfig } from "@memoria/sync-core";

/** One logger per isolate and (region, level): `logging.level` changes take effect at once. */
const loggers = new Map<string, Logger>();
/** Loader warnings already written by this isolate: each is logged once, not per request. */
const warned = new Set<string>();

export function loggerFor(config: Pick<MemoriaConfig, "region" | "logging">): Logger {
  const key = `${config.region.id}\u0000${config.logging.level}`;
  let log = loggers.get(key);
  if (!log) {
    log = createLogger({ level: config.logging.level, region: config.region.id });
    loggers.set(key, log);
  }
  return log;
}

/** Writes each configuration warning once per isolate (a misspelt `MEMORIA_` variable, say). */
export function logConfigWarnings(log: Logger, warnings: readonly string[]): void {
  for (const warning of warnings) {
    if (warned.has(warning)) continue;
    warned.add(warning);
    log.warn("config.warning", { warning });
  }
}
