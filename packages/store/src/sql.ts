/**
 * The part of a Postgres driver the store needs. A `@neondatabase/serverless` `Pool`
 * (WebSocket, what the gateway uses: it has transactions) and a `pg` `Pool` both fit.
 * In workerd a pool must belong to one request, so the store never keeps one in module
 * state: the caller hands it in.
 */
export interface SqlResult {
  rows: Array<Record<string, unknown>>;
  rowCount: number | null;
}

export interface SqlClient {
  query(text: string, params?: unknown[]): Promise<SqlResult>;
  release(error?: Error | boolean): void;
}

export interface SqlPool {
  connect(): Promise<SqlClient>;
}

/** A transaction body; it gets the one client the whole transaction runs on. */
export type Transaction<T> = (client: SqlClient) => Promise<T>;

/**
 * Runs `body` in one transaction: commit when it resolves, roll back when it throws.
 * A client whose rollback failed is destroyed rather than returned to the pool.
 */
export async function inTransaction<T>(
  pool: SqlPool,
  body: Transaction<T>,
  isolation = "read committed",
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(`begin isolation level ${isolation}`);
    const result = await body(client);
    await client.query("commit");
    return result;
  } catch (error) {
    try {
      await client.query("rollback");
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw error;
  } finally {
    client.release(broken ?? false);
  }
}

export async function withClient<T>(
  pool: SqlPool,
  body: (client: SqlClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    return await body(client);
  } finally {
    client.release();
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A schema name the store may create and quote; anything else is refused before any SQL. */
export function checkIdentifier(name: string, what = "identifier"): string {
  if (!IDENTIFIER.test(name))
    throw new RangeError(`${what} must match ${IDENTIFIER}: ${JSON.stringify(name)}`);
  return name;
}

/** `"schema"."table"` for a checked schema and one of our own table names. */
export function qualified(schema: string, table: string): string {
  return `"${checkIdentifier(schema, "schema")}"."${checkIdentifier(table, "table")}"`;
}
