/**
 * The part of a Postgres driver Memoria needs. A `@neondatabase/serverless` `Pool`
 * (WebSocket: transactions and LISTEN, what the gateway uses) and a `pg` `Pool` both fit.
 * In workerd a pool belongs to one request, so nothing here keeps one in module state.
 */

export interface SqlResult {
  rows: Array<Record<string, unknown>>;
  rowCount: number | null;
}

export interface SqlNotification {
  channel: string;
  payload?: string | undefined;
}

export interface SqlClient {
  query(text: string, params?: unknown[]): Promise<SqlResult>;
  /** Back to the pool; an error (or `true`) destroys the connection instead. */
  release(error?: Error | boolean): void;
  /** The event-emitter side of `pg`/Neon clients (errors, notifications). */
  on?(event: string, listener: EmitterListener): unknown;
  removeListener?(event: string, listener: EmitterListener): unknown;
}

/**
 * Node's `EventEmitter` listener type. It has to be `any[]`: `pg` and Neon declare
 * `removeListener` as a property taking `(...args: any[]) => void`, and neither
 * `unknown[]` nor `never[]` is assignable to it in both directions.
 */
// biome-ignore lint/suspicious/noExplicitAny: matches EventEmitter's own listener type (see above)
export type EmitterListener = (...args: any[]) => void;

export interface SqlPool {
  connect(): Promise<SqlClient>;
}

/**
 * Runs `body` on one pooled client and gives it back. While the client is out, its
 * `error` events are caught (a dropped connection would otherwise be an uncaught
 * exception); the failed query rejects on its own, and the client is destroyed.
 */
export async function withClient<T>(
  pool: SqlPool,
  body: (client: SqlClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on?.("error", onError);
  try {
    return await body(client);
  } catch (error) {
    // A connection-level failure leaves the client unusable; a statement error does not.
    if (sqlState(error) === undefined) broken ??= asError(error);
    throw error;
  } finally {
    client.removeListener?.("error", onError);
    client.release(broken ?? false);
  }
}

/**
 * Runs `body` in one transaction: commit when it resolves, roll back when it throws. A
 * client whose rollback failed is destroyed rather than returned to the pool.
 */
export async function inTransaction<T>(
  pool: SqlPool,
  body: (client: SqlClient) => Promise<T>,
  isolation = "read committed",
): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query(`begin isolation level ${isolation}`);
    try {
      const result = await body(client);
      await client.query("commit");
      return result;
    } catch (error) {
      await client.query("rollback").catch((rollbackError: unknown) => {
        // Surface the original failure; the broken connection is dropped by withClient.
        throw Object.assign(asError(error), { rollbackError });
      });
      throw error;
    }
  });
}

/** The SQLSTATE of a Postgres error (`23505`), if the value is one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
