import pg from "pg";
import { waitUntil } from "../net";
import type { PostgresServer } from "./postgres-server";

/**
 * A stand-in for the journal table of DESIGN.md §5 (`memoria_sync_events`), so
 * the replication can be wired before `@memoria/sync-postgres` exists. That
 * package should pass its own DDL as `schemaSql`.
 */
export const DEFAULT_JOURNAL_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS memoria_sync_events (
  id bigserial PRIMARY KEY,
  event_id text NOT NULL UNIQUE,
  namespace text NOT NULL,
  origin text NOT NULL,
  privacy integer,
  hlc text NOT NULL,
  payload jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  txid xid8 NOT NULL DEFAULT pg_current_xact_id()
);`;

export interface LogicalReplicationOptions {
  /** Tables to publish (schema-qualified allowed). @default ["memoria_sync_events"] */
  tables?: string[];
  /** DDL run on both clusters first; must create the tables. @default DEFAULT_JOURNAL_SCHEMA_SQL */
  schemaSql?: string;
  /** Publication and subscription name. @default "memoria_journal" */
  name?: string;
  /** Give up waiting for the initial copy after this long. @default 30000 */
  timeoutMs?: number;
}

export interface LogicalReplication {
  name: string;
  tables: string[];
}

/**
 * Publishes `tables` on `primary` (which must run with wal_level=logical) and
 * subscribes `secondary` to them, then waits until the initial copy is done.
 */
export async function wireLogicalReplication(
  primary: PostgresServer,
  secondary: PostgresServer,
  options: LogicalReplicationOptions = {},
): Promise<LogicalReplication> {
  const name = options.name ?? "memoria_journal";
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
  const tables = options.tables ?? ["memoria_sync_events"];
  const schemaSql = options.schemaSql ?? DEFAULT_JOURNAL_SCHEMA_SQL;
  const quoted = tables.map(quoteQualified).join(", ");

  await withClient(primary.url, async (client) => {
    await client.query(schemaSql);
    await client.query(`CREATE PUBLICATION ${name} FOR TABLE ${quoted}`);
  });
  const connection = `host=${primary.host} port=${primary.port} user=${primary.user} dbname=${primary.database}`;
  await withClient(secondary.url, async (client) => {
    await client.query(schemaSql);
    await client.query(
      `CREATE SUBSCRIPTION ${name} CONNECTION '${connection}' PUBLICATION ${name}`,
    );
    // 'r' = ready: initial copy done, streaming changes.
    await waitUntil(
      async () => {
        const { rows } = await client.query<{ pending: string }>(
          `SELECT count(*) AS pending FROM pg_subscription_rel r
             JOIN pg_subscription s ON s.oid = r.srsubid
            WHERE s.subname = $1 AND r.srsubstate <> 'r'`,
          [name],
        );
        return rows[0]?.pending === "0";
      },
      {
        what: `subscription ${name} to be ready`,
        timeoutMs: options.timeoutMs ?? 30_000,
        intervalMs: 100,
      },
    );
  });
  return { name, tables };
}

function quoteQualified(table: string): string {
  return table
    .split(".")
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join(".");
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
