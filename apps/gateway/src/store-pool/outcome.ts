import type { SqlResult } from "@memoria/sql";

/**
 * What crosses the RPC boundary for one statement. An error travels as its fields, not as
 * an Error: RPC keeps only an error's name and message, and the store reads Postgres's
 * SQLSTATE (`code`) and `detail` to decide what a failure means.
 */
export type SqlOutcome =
  | { ok: true; rows: SqlResult["rows"]; rowCount: number | null }
  | { ok: false; error: SqlErrorFields };

/** The node-postgres error fields the store and the logs read. */
const ERROR_FIELDS = [
  "code",
  "detail",
  "hint",
  "severity",
  "constraint",
  "table",
  "column",
  "schema",
  "position",
  "where",
] as const;

export type SqlErrorFields = { message: string } & Partial<
  Record<(typeof ERROR_FIELDS)[number], string>
>;

/** One statement as a request sends it to the pool. */
export interface Statement {
  text: string;
  params?: unknown[] | undefined;
}

/** Runs `statements` in order on one connection; the last one's outcome, or the first failure's. */
export async function runInOrder(
  query: (text: string, params?: unknown[]) => Promise<SqlResult>,
  statements: readonly Statement[],
): Promise<SqlOutcome> {
  let outcome: SqlOutcome = { ok: true, rows: [], rowCount: null };
  for (const { text, params } of statements) {
    outcome = await outcomeOf(() => query(text, params));
    if (!outcome.ok) break;
  }
  return outcome;
}

export async function outcomeOf(run: () => Promise<SqlResult>): Promise<SqlOutcome> {
  try {
    const { rows, rowCount } = await run();
    return { ok: true, rows, rowCount };
  } catch (error) {
    return { ok: false, error: errorFields(error) };
  }
}

function errorFields(error: unknown): SqlErrorFields {
  const fields: SqlErrorFields = {
    message: error instanceof Error ? error.message : String(error),
  };
  if (typeof error !== "object" || error === null) return fields;
  for (const name of ERROR_FIELDS) {
    const value = (error as Record<string, unknown>)[name];
    if (typeof value === "string") fields[name] = value;
  }
  return fields;
}

/** The caller's side: the rows, or the statement's error rebuilt with its fields. */
export function unwrap(outcome: SqlOutcome): SqlResult {
  if (outcome.ok) return { rows: outcome.rows, rowCount: outcome.rowCount };
  const { message, ...fields } = outcome.error;
  throw Object.assign(new Error(message), fields);
}
