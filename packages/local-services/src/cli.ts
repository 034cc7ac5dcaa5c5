/**
 * `pnpm services`: starts the local services for a human (or a script with
 * --json) and keeps them up until Ctrl-C / SIGTERM, then stops all it started.
 */
import { parseArgs } from "node:util";
import { startLocalServices } from "./launcher/launcher";
import { formatSummary, summarize } from "./launcher/summary";

const HELP = `Usage: pnpm services [options]

Starts Redis and PostgreSQL (private, in temp dirs) or uses the URLs given, and
in front of them the Upstash REST endpoint and the Neon WebSocket proxy + /sql
endpoint. Dev and test only; everything binds 127.0.0.1.

  --redis-url URL        use this Redis instead of starting one
  --postgres-url URL     use this PostgreSQL instead of starting one
  --no-redis             no Redis and no Upstash endpoint
  --no-postgres          no PostgreSQL and no Neon endpoint
  --redis-replica        also a redis-server --replicaof the primary (+ its endpoint)
  --postgres-replica     also a second cluster subscribed to the journal table
                         (memoria_sync_events) by logical replication
  --token TOKEN          Upstash bearer token (default: random)
  --upstash-port N       port of the Upstash endpoint (default: free port)
  --neon-port N          port of the Neon endpoint (default: free port)
  --json                 print one JSON line with every URL and token, nothing else
  -h, --help             this text`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "redis-url": { type: "string" },
      "postgres-url": { type: "string" },
      "no-redis": { type: "boolean", default: false },
      "no-postgres": { type: "boolean", default: false },
      "redis-replica": { type: "boolean", default: false },
      "postgres-replica": { type: "boolean", default: false },
      token: { type: "string" },
      "upstash-port": { type: "string" },
      "neon-port": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const port = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 65_535)
      throw new Error(`--${name}: not a port: ${value}`);
    return n;
  };
  const upstashPort = port("upstash-port", values["upstash-port"]);
  const neonPort = port("neon-port", values["neon-port"]);
  const log = values.json ? undefined : (line: string) => console.error(`[services] ${line}`);

  const services = await startLocalServices({
    ...(values["redis-url"] ? { redisUrl: values["redis-url"] } : {}),
    ...(values["postgres-url"] ? { postgresUrl: values["postgres-url"] } : {}),
    noRedis: values["no-redis"],
    noPostgres: values["no-postgres"],
    redisReplica: values["redis-replica"],
    postgresLogicalReplica: values["postgres-replica"],
    ...(values.token ? { upstashToken: values.token } : {}),
    ...(upstashPort === undefined ? {} : { upstashPort }),
    ...(neonPort === undefined ? {} : { neonPort }),
    handleSignals: true,
    ...(log ? { log } : {}),
  });
  const summary = summarize(services);
  console.log(values.json ? JSON.stringify(summary) : formatSummary(summary));
  // The endpoints' servers keep the process alive; SIGINT/SIGTERM stop everything.
}

main().catch((error: unknown) => {
  console.error(`[services] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
