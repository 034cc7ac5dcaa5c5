import type { IncomingMessage } from "node:http";
import pg from "pg";
import type { TargetAllowList } from "./allow-list";
import { type JsonValue, pgTextToJson } from "./pg-json";

/**
 * Neon's HTTP query endpoint (`POST /sql`), as `neon()` from
 * `@neondatabase/serverless` calls it, run on a real Postgres through `pg`.
 */

/** An answer: HTTP status and JSON body. */
export interface SqlAnswer {
  status: number;
  body: unknown;
}

interface SqlQuery {
  query: string;
  params: Array<string | null>;
}

interface Target {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  applicationName: string | undefined;
}

/** The error fields Neon returns and the driver copies onto its NeonDbError. */
const ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

const ISOLATION_LEVELS: Readonly<Record<string, string>> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

/** Every column comes back as the text Postgres sent: the driver parses by dataTypeID. */
const RAW_TEXT: pg.CustomTypesConfig = {
  getTypeParser: () => (value: string) => value,
};

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SqlExecutorOptions {
  allowList: TargetAllowList;
  /** A query still running by then is cancelled by the client side. @default 30000 */
  queryTimeoutMs?: number;
  /** Connections per Postgres target. @default 10 */
  poolSize?: number;
}

/** Runs `/sql` requests; keeps one small `pg` pool per target database. */
export class SqlExecutor {
  readonly #pools = new Map<string, pg.Pool>();
  readonly #options: Required<SqlExecutorOptions>;

  constructor(options: SqlExecutorOptions) {
    this.#options = { queryTimeoutMs: 30_000, poolSize: 10, ...options };
  }

  async handle(req: IncomingMessage, body: Buffer): Promise<SqlAnswer> {
    try {
      return { status: 200, body: await this.#handle(req, body) };
    } catch (error) {
      return errorAnswer(error);
    }
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
  }

  async #handle(req: IncomingMessage, body: Buffer): Promise<unknown> {
    const connectionString = header(req, "neon-connection-string");
    if (!connectionString) throw new RequestError(400, "missing Neon-Connection-String header");
    const target = parseConnectionString(connectionString);
    if (!this.#options.allowList.has(target.host, target.port)) {
      throw new RequestError(
        403,
        `${target.host}:${target.port} is not in this endpoint's allow-list of Postgres targets`,
      );
    }
    const rawText = header(req, "neon-raw-text-output") === "true";
    const arrayMode = header(req, "neon-array-mode") === "true";
    const format = (result: pg.QueryResult<unknown[]>) => formatResult(result, rawText, arrayMode);
    const request = parseBody(body);
    const pool = this.#pool(target);

    if ("queries" in request) {
      const begin = beginStatement(req);
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query(begin);
        try {
          const results = [];
          for (const query of request.queries) results.push(format(await run(client, query)));
          await client.query("COMMIT");
          return { results };
        } catch (error) {
          await client.query("ROLLBACK").catch((rollbackError: unknown) => {
            broken = rollbackError;
          });
          throw error;
        }
      } finally {
        // A connection that could not roll back is not given back to the pool.
        client.release(broken instanceof Error ? broken : undefined);
      }
    }
    return format(await run(pool, request));
  }

  #pool(target: Target): pg.Pool {
    const id = JSON.stringify(target);
    let pool = this.#pools.get(id);
    if (!pool) {
      pool = new pg.Pool({
        host: target.host,
        port: target.port,
        user: target.user,
        database: target.database,
        ...(target.password === undefined ? {} : { password: target.password }),
        ...(target.applicationName === undefined
          ? {}
          : { application_name: target.applicationName }),
        max: this.#options.poolSize,
        idleTimeoutMillis: 5_000,
        connectionTimeoutMillis: 5_000,
        // Postgres cancels a long statement itself; the client-side limit is a backstop.
        statement_timeout: this.#options.queryTimeoutMs,
        query_timeout: this.#options.queryTimeoutMs + 5_000,
        ssl: false,
      });
      // An idle connection dropped by Postgres (restart, drill) must not crash the process.
      pool.on("error", () => {});
      this.#pools.set(id, pool);
    }
    return pool;
  }
}

function run(
  runner: pg.Pool | pg.PoolClient,
  { query, params }: SqlQuery,
): Promise<pg.QueryResult<unknown[]>> {
  const config = {
    text: query,
    values: params,
    rowMode: "array" as const,
    types: RAW_TEXT,
    // Neon runs every query with the extended protocol, so a string holding two
    // statements fails as it does there. @types/pg does not know this option yet.
    queryMode: "extended",
  };
  return runner.query<unknown[]>(config as pg.QueryArrayConfig);
}

function formatResult(result: pg.QueryResult<unknown[]>, rawText: boolean, arrayMode: boolean) {
  const fields = result.fields.map((field) => ({
    name: field.name,
    dataTypeID: field.dataTypeID,
    tableID: field.tableID,
    columnID: field.columnID,
    dataTypeSize: field.dataTypeSize,
    dataTypeModifier: field.dataTypeModifier,
    format: field.format,
  }));
  const value = (cell: unknown, column: number): JsonValue => {
    const text = cell === null || cell === undefined ? null : String(cell);
    return rawText ? text : pgTextToJson(text, fields[column]?.dataTypeID ?? 0);
  };
  const rows = result.rows.map((row) =>
    arrayMode
      ? row.map(value)
      : Object.fromEntries(row.map((cell, column) => [fields[column]?.name, value(cell, column)])),
  );
  return {
    command: result.command,
    rowCount: result.rowCount,
    rows,
    fields,
    rowAsArray: arrayMode,
  };
}

function parseBody(body: Buffer): SqlQuery | { queries: SqlQuery[] } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw new RequestError(400, "request body is not JSON");
  }
  if (typeof json === "object" && json !== null && "queries" in json) {
    const { queries } = json;
    if (!Array.isArray(queries)) throw new RequestError(400, '"queries" must be an array');
    return { queries: queries.map(parseQuery) };
  }
  return parseQuery(json);
}

function parseQuery(value: unknown): SqlQuery {
  if (typeof value !== "object" || value === null || !("query" in value)) {
    throw new RequestError(400, 'expected {"query": string, "params": [...]}');
  }
  const { query } = value;
  const params = "params" in value ? value.params : [];
  if (typeof query !== "string") throw new RequestError(400, '"query" must be a string');
  if (params !== undefined && params !== null && !Array.isArray(params)) {
    throw new RequestError(400, '"params" must be an array');
  }
  return { query, params: (params ?? []).map(paramText) };
}

/** The driver sends params as text or null already; other clients may send JSON values. */
function paramText(param: unknown): string | null {
  if (param === null || param === undefined) return null;
  if (typeof param === "string") return param;
  if (typeof param === "number" || typeof param === "boolean") return String(param);
  return JSON.stringify(param);
}

function beginStatement(req: IncomingMessage): string {
  const parts = ["BEGIN"];
  const isolation = header(req, "neon-batch-isolation-level");
  if (isolation) {
    const level = ISOLATION_LEVELS[isolation];
    if (!level) throw new RequestError(400, `unknown Neon-Batch-Isolation-Level: ${isolation}`);
    parts.push(`ISOLATION LEVEL ${level}`);
  }
  const readOnly = header(req, "neon-batch-read-only");
  if (readOnly === "true") parts.push("READ ONLY");
  else if (readOnly === "false") parts.push("READ WRITE");
  const deferrable = header(req, "neon-batch-deferrable");
  if (deferrable === "true") parts.push("DEFERRABLE");
  else if (deferrable === "false") parts.push("NOT DEFERRABLE");
  return parts.join(" ");
}

export function parseConnectionString(connectionString: string): Target {
  let url: URL;
  try {
    // Swap the scheme so WHATWG URL parses user, host and port.
    url = new URL(connectionString.replace(/^postgres(ql)?:/, "http:"));
  } catch {
    throw new RequestError(400, "Neon-Connection-String is not a valid URL");
  }
  if (!/^postgres(ql)?:/.test(connectionString)) {
    throw new RequestError(
      400,
      "Neon-Connection-String must start with postgres:// or postgresql://",
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  const user = decodeURIComponent(url.username);
  if (!url.hostname || !database || !user) {
    throw new RequestError(400, "Neon-Connection-String needs a user, a host and a database");
  }
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : 5432,
    user,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database,
    applicationName: url.searchParams.get("application_name") ?? undefined,
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function errorAnswer(error: unknown): SqlAnswer {
  if (error instanceof RequestError)
    return { status: error.status, body: { message: error.message } };
  if (error instanceof pg.DatabaseError) {
    const body: Record<string, unknown> = { message: error.message };
    for (const field of ERROR_FIELDS) {
      if (error[field] !== undefined) body[field] = error[field];
    }
    return { status: 400, body };
  }
  // Postgres unreachable, connection lost, timeout: no SQLSTATE to report.
  const message = error instanceof Error ? error.message : String(error);
  return { status: 503, body: { message: `could not reach Postgres: ${message}` } };
}
