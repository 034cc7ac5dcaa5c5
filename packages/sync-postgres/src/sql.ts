/**
 * The driver slice and transaction helpers come from `@memoria/sql` (shared with the
 * store, so the gateway can hand one pool to both); this file adds column readers.
 */
export {
  asError,
  type EmitterListener,
  inTransaction,
  type SqlClient,
  type SqlNotification,
  type SqlPool,
  type SqlResult,
  sqlState,
  withClient,
} from "@memoria/sql";

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
