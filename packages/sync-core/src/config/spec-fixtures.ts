/**
 * Configuration blocks copied verbatim from the operator documents
 * (shared/spec/sync-failover-playbook.md, multi-region-deployment-guide.md).
 * Tests parse them the way a shell, Compose or Terraform would and load the result.
 */

export const PLAYBOOK_REDIS_REGION_A_ENV = `
export MEMORIA_MEMORY__NAMESPACE="prod-shared"
export MEMORIA_SYNC__ENABLED=true
export MEMORIA_SYNC__BACKEND=redis
export MEMORIA_SYNC__CONNECTION_URL="redis://redis.use1.example.com:6379/0"
export MEMORIA_SYNC__CHANNEL="memoria-sync"
export MEMORIA_SYNC__REALTIME_REPLICATION=true
export MEMORIA_SYNC__PRIVACY_FLOOR=0          # share only public/semi-public events
export MEMORIA_SYNC__PRIVACY_CEILING=12        # keep strictly private entries local
export MEMORIA_SYNC__OPTIONS__ssl=True         # forwarded to redis.from_url
`;

export const PLAYBOOK_REDIS_REGION_B_ENV = `
export MEMORIA_MEMORY__NAMESPACE="prod-shared"
export MEMORIA_SYNC__ENABLED=true
export MEMORIA_SYNC__BACKEND=redis
export MEMORIA_SYNC__CONNECTION_URL="redis://redis.euw1.example.com:6379/0"
export MEMORIA_SYNC__CHANNEL="memoria-sync"
export MEMORIA_SYNC__REALTIME_REPLICATION=true
export MEMORIA_SYNC__PRIVACY_FLOOR=0
export MEMORIA_SYNC__PRIVACY_CEILING=12
export MEMORIA_SYNC__OPTIONS__ssl=True
`;

export const PLAYBOOK_REDIS_TOML = `
[memory]
namespace = "prod-shared"  # shared namespace for the tenant across regions
team_namespace_prefix = "team"  # generates team-alpha, team-bravo, etc.
privacy_floor = -15

[sync]
enabled = true
backend = "redis"
connection_url = "redis://redis.use1.example.com:6379/0"
channel = "memoria-sync"
realtime_replication = true
privacy_floor = 0
privacy_ceiling = 12
[sync.options]
ssl = true
socket_timeout = 3
retry_on_timeout = true

`;

export const PLAYBOOK_POSTGRES_WRITER_ENV = `
export MEMORIA_MEMORY__NAMESPACE="prod-shared"
export MEMORIA_SYNC__ENABLED=true
export MEMORIA_SYNC__BACKEND=postgres
export MEMORIA_SYNC__CONNECTION_URL="postgresql://memoria:secret@use1-writer.example.com:5432/memoria"
export MEMORIA_SYNC__CHANNEL="memoria_sync"
export MEMORIA_SYNC__TABLE="infra.memoria_sync_events"
export MEMORIA_SYNC__PRIVACY_FLOOR=-5         # allow semi-private research to replicate
export MEMORIA_SYNC__PRIVACY_CEILING=15
`;

export const PLAYBOOK_POSTGRES_STANDBY_ENV = `
export MEMORIA_MEMORY__NAMESPACE="prod-shared"
export MEMORIA_SYNC__ENABLED=true
export MEMORIA_SYNC__BACKEND=postgres
export MEMORIA_SYNC__CONNECTION_URL="postgresql://memoria:secret@euw1-reader.example.com:5432/memoria"
export MEMORIA_SYNC__CHANNEL="memoria_sync"
export MEMORIA_SYNC__TABLE="infra.memoria_sync_events"
export MEMORIA_SYNC__PRIVACY_FLOOR=-5
export MEMORIA_SYNC__PRIVACY_CEILING=15
export MEMORIA_SYNC__CONNECT_KWARGS__sslmode=require
`;

export const PLAYBOOK_POSTGRES_TOML = `
[memory]
namespace = "prod-shared"

[sync]
enabled = true
backend = "postgres"
connection_url = "postgresql://memoria:secret@use1-writer.example.com:5432/memoria"
channel = "memoria_sync"
table = "infra.memoria_sync_events"
realtime_replication = true
privacy_floor = -5
privacy_ceiling = 15
[sync.connect_kwargs]
sslmode = "require"
application_name = "memoria-sync-writer"
`;

export const PLAYBOOK_LOGGING_ENV = "export MEMORIA_LOGGING__LEVEL=DEBUG\n";

export const GUIDE_REDIS_ENV = `
# Redis-backed fan-out with privacy floor
export MEMORIA_SYNC__ENABLED=true
export MEMORIA_SYNC__BACKEND=redis
export MEMORIA_SYNC__CONNECTION_URL="redis://redis.region-a.internal:6379/0"
export MEMORIA_SYNC__CHANNEL="memoria-sync"
export MEMORIA_SYNC__PRIVACY_FLOOR=0         # only broadcast public/semi-public memories
export MEMORIA_SYNC__REALTIME_REPLICATION=true

# Secondary region pulls from a replicated Redis endpoint
export MEMORIA_SYNC__CONNECTION_URL="redis://redis.region-b.internal:6379/0"
`;

export const GUIDE_POSTGRES_ENV = `
# PostgreSQL LISTEN/NOTIFY with durable journal
export MEMORIA_SYNC__ENABLED=true
export MEMORIA_SYNC__BACKEND=postgres
export MEMORIA_SYNC__CONNECTION_URL="postgresql://memoria:secret@writer.region-a.internal:5432/memoria"
export MEMORIA_SYNC__CHANNEL="memoria_sync"
export MEMORIA_SYNC__TABLE="infra.memoria_sync_events"
export MEMORIA_SYNC__PRIVACY_FLOOR=-5        # share semi-private memories too
export MEMORIA_SYNC__PRIVACY_CEILING=15
`;

export const GUIDE_SETTINGS_PATCH = `{
        "sync.enabled": true,
        "sync.backend": "redis",
        "sync.realtime_replication": true,
        "sync.privacy_floor": 0,
        "sync.privacy_ceiling": 15
      }`;

export const GUIDE_COMPOSE_REGION_A = `
      MEMORIA_SYNC__ENABLED: "true"
      MEMORIA_SYNC__BACKEND: "redis"
      MEMORIA_SYNC__CONNECTION_URL: "redis://redis-a:6379/0"
      MEMORIA_SYNC__CHANNEL: "memoria-sync"
      MEMORIA_SYNC__PRIVACY_FLOOR: "0"
      MEMORIA_SYNC__REALTIME_REPLICATION: "true"
      DECREMENT_TZ: "America/New_York"
`;

export const GUIDE_COMPOSE_REGION_B = `
      MEMORIA_SYNC__ENABLED: "true"
      MEMORIA_SYNC__BACKEND: "redis"
      MEMORIA_SYNC__CONNECTION_URL: "redis://redis-b:6379/0"
      MEMORIA_SYNC__CHANNEL: "memoria-sync"
      MEMORIA_SYNC__PRIVACY_FLOOR: "0"
      MEMORIA_SYNC__PRIVACY_CEILING: "10"
      MEMORIA_SYNC__REALTIME_REPLICATION: "true"
      DISABLE_SCHEDULERS: "true"  # custom flag consumed at bootstrap
`;

export const GUIDE_TERRAFORM_REGION_A = `
    MEMORIA_SYNC__ENABLED             = "true"
    MEMORIA_SYNC__BACKEND             = "postgres"
    MEMORIA_SYNC__CONNECTION_URL      = aws_rds_cluster.memoria.writer
    MEMORIA_SYNC__CHANNEL             = "memoria_sync"
    MEMORIA_SYNC__TABLE               = "infra.memoria_sync_events"
    MEMORIA_SYNC__PRIVACY_FLOOR       = "0"
    MEMORIA_SYNC__REALTIME_REPLICATION = "true"
    DECREMENT_TZ                      = "UTC"
`;

export const GUIDE_TERRAFORM_REGION_B = `
    MEMORIA_SYNC__ENABLED        = "true"
    MEMORIA_SYNC__BACKEND        = "postgres"
    MEMORIA_SYNC__CONNECTION_URL = aws_rds_cluster.memoria.reader
    MEMORIA_SYNC__CHANNEL        = "memoria_sync"
    MEMORIA_SYNC__PRIVACY_FLOOR  = "0"
    MEMORIA_SYNC__PRIVACY_CEILING = "10"
`;

/** `export K=V`, `K: "V"` (Compose) and `K = "V"` (HCL) lines → an env map; later lines win, as in a shell. */
export function parseEnvBlock(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:=|:)\s*(?:"([^"]*)"|(\S+))/.exec(
      line,
    );
    if (!match) throw new Error(`cannot read env line: ${line}`);
    env[match[1] as string] = (match[2] ?? match[3]) as string;
  }
  return env;
}
