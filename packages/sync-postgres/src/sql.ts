/**
 * The part of a Postgres driver this package needs. A `@neondatabase/serverless` `Pool`
 * (WebSocket: transactions and LISTEN work) and a `pg` `Pool` both fit, as does the
 * `SqlPool` of `@memoria/store` (same shape), so the gateway can hand one pool to both.
 *
 * In workerd a pool belongs to one request: this package never keeps a connection in
 * module state; the caller creates the pool and ends it.
 */
export interface SqlResult {
  rows: Array<Record<string, unknown>>;
  rowCount: number | null;
}

/** A notification as `pg` and the Neon driver emit it. */
export interface SqlNotification {
  channel: string;
  payload?: string | undefined;
}

export interface SqlClient {
  query(text: string, params?: unknown[]): Promise<SqlResult>;
  /** Back to the pool; an error (or `true`) destroys the connection instead. */
  release(error?: Error | boolean): void;
  /** Event emitter side of `pg`/Neon clients; only `listen()` needs it. */
  on?(event: string, listener: EmitterListener): unknown;
  removeListener?(event: string, listener: EmitterListener): unknown;
}

/**
 * Node's `EventEmitter` listener type. It has to be `any[]`: `pg` and Neon declare
 * `removeListener` as a property taking `(...args: any[]) => void`, and neither
 * `unknown[]` nor `never[]` is assignable to it in both directions.
 */
// biome-ignore lint/suspicious/noExplicitAny: matches EventEmitter's own listener type (see above)
type EmitterListener = (...args: any[]) => void;

export interface SqlPool {
  connect(): Promise<SqlClient>;
}

/** Runs `body` on one pooled client and gives it back. */
export async function withClient<T>(
  pool: SqlPool,
  body: (client: SqlClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await body(client);
  } catch (error) {
    // A connection-level failure leaves the client unusable; a statement error does not.
    if (!isSqlStateError(error)) broken = asError(error);
    throw error;
  } finally {
    client.release(broken ?? false);
  }
}

/**
 * Runs `body` in one READ COMMITTED transaction: commit when it resolves, roll back when
 * it throws. A client whose rollback failed is destroyed rather than returned to the pool.
 */
export async function inTransaction<T>(
  pool: SqlPool,
  body: (client: SqlClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("begin isolation level read committed");
    const result = await body(client);
    await client.query("commit");
    return result;
  } catch (error) {
    try {
      await client.query("rollback");
    } catch (rollbackError) {
      broken = asError(rollbackError);
    }
    throw error;
  } finally {
    client.release(broken ?? false);
  }
}

/** The SQLSTATE of a Postgres error (`23505`), if the value is one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function isSqlStateError(error: unknown): boolean {
  return sqlState(error) !== undefined;
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Reads a column the query cast to text (ids, xid8, bigint): never trusts driver parsing. */
export function text(row: Record<string, unknown>, column: string): string {
  const value = row[column];
  if (typeof value !== "string") {
    throw new TypeError(`column ${column}: expected text, got ${typeof value}`);
  }
  return value;
}

/** Reads a column the query cast to float8 (epoch milliseconds, counts) or int4. */
export function num(row: Record<string, unknown>, column: string): number {
  const value = row[column];
  if (typeof value === "number") return value;
  // Some drivers hand float8 back as text; accept a plain decimal only.
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  throw new TypeError(`column ${column}: expected a number, got ${typeof value}`);
}

/** Like `num`, but SQL NULL reads as `null`. */
export function numOrNull(row: Record<string, unknown>, column: string): number | null {
  return row[column] === null || row[column] === undefined ? null : num(row, column);
}
