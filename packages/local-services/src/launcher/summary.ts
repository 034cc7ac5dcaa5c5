import type { LocalServices } from "./launcher";

/** Everything a client needs from `LocalServices`, as plain JSON. */
export interface LocalServicesSummary {
  redis?: { url: string; pid?: number };
  redisReplica?: { url: string; pid?: number };
  upstash?: { url: string; token: string };
  upstashReplica?: { url: string; token: string };
  postgres?: { url: string; pid?: number };
  postgresReplica?: { url: string; pid?: number };
  logicalReplication?: { name: string; tables: string[] };
  neon?: { wsProxy: string; fetchEndpoint: string; allowed: string[] };
  pids: number[];
}

export function summarize(services: LocalServices): LocalServicesSummary {
  const server = (info?: { url: string; server?: { pid: number } }) =>
    info && { url: info.url, ...(info.server ? { pid: info.server.pid } : {}) };
  const endpoint = (info?: { url: string; token: string }) =>
    info && { url: info.url, token: info.token };
  const summary: LocalServicesSummary = {
    redis: server(services.redis),
    redisReplica: server(services.redisReplica),
    upstash: endpoint(services.upstash),
    upstashReplica: endpoint(services.upstashReplica),
    postgres: server(services.postgres),
    postgresReplica: server(services.postgresReplica),
    logicalReplication: services.logicalReplication,
    neon: services.neon && {
      wsProxy: services.neon.wsProxy,
      fetchEndpoint: services.neon.fetchEndpoint,
      allowed: services.neon.endpoint.allowed(),
    },
    pids: services.pids(),
  };
  return JSON.parse(JSON.stringify(summary)) as LocalServicesSummary;
}

/** A human-readable block for the terminal. */
export function formatSummary(summary: LocalServicesSummary): string {
  const lines = [
    "Memoria local services: dev/test only, bound to 127.0.0.1. Ctrl-C stops everything.",
  ];
  const origin = (pid?: number) => (pid === undefined ? "(given)" : `(started, pid ${pid})`);
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(18)}${text}`);
  if (summary.redis) row("Redis", `${summary.redis.url} ${origin(summary.redis.pid)}`);
  if (summary.redisReplica)
    row("Redis replica", `${summary.redisReplica.url} ${origin(summary.redisReplica.pid)}`);
  if (summary.upstash) {
    row("Upstash REST", `UPSTASH_REDIS_REST_URL=${summary.upstash.url}`);
    row("", `UPSTASH_REDIS_REST_TOKEN=${summary.upstash.token}`);
  }
  if (summary.upstashReplica) row("Upstash (replica)", summary.upstashReplica.url);
  if (summary.postgres) row("Postgres", `${summary.postgres.url} ${origin(summary.postgres.pid)}`);
  if (summary.postgresReplica) {
    row(
      "Postgres replica",
      `${summary.postgresReplica.url} ${origin(summary.postgresReplica.pid)}`,
    );
  }
  if (summary.logicalReplication) {
    row(
      "Logical repl.",
      `${summary.logicalReplication.name}: ${summary.logicalReplication.tables.join(", ")}`,
    );
  }
  if (summary.neon) {
    row("Neon WebSocket", `neonConfig.wsProxy = "${summary.neon.wsProxy}"`);
    row("Neon HTTP", `neonConfig.fetchEndpoint = "${summary.neon.fetchEndpoint}"`);
    row("Neon allow-list", summary.neon.allowed.join(", "));
  }
  return lines.join("\n");
}
