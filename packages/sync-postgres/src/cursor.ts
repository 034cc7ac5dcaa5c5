/**
 * A position in the journal: the writing transaction's id (xid8) and the row id,
 * written `<txid>:<id>` (`"7391:1042"`). Pulls go in (txid, id) order, which is the
 * order in which rows become final (README, "Why (txid, id)").
 */
export interface Position {
  txid: bigint;
  id: bigint;
}

const CURSOR = /^(\d{1,20}):(\d{1,19})$/;
const MAX_XID8 = (1n << 64n) - 1n;
const MAX_BIGINT = (1n << 63n) - 1n;

/** The position before every row. */
export const ORIGIN: Position = { txid: 0n, id: 0n };

export function formatCursor(position: Position): string {
  return `${position.txid}:${position.id}`;
}

/** Parses `<txid>:<id>`; throws `TypeError` for anything else (never reaches SQL). */
export function parseCursor(cursor: string): Position {
  const match = typeof cursor === "string" ? CURSOR.exec(cursor) : null;
  if (match === null) {
    throw new TypeError(`not a journal cursor (<txid>:<id>): ${JSON.stringify(cursor)}`);
  }
  const txid = BigInt(match[1] as string);
  const id = BigInt(match[2] as string);
  if (txid > MAX_XID8 || id > MAX_BIGINT) {
    throw new TypeError(`journal cursor out of range: ${JSON.stringify(cursor)}`);
  }
  return { txid, id };
}

/** Total order of positions: by transaction id, then row id. */
export function comparePositions(a: Position, b: Position): number {
  if (a.txid !== b.txid) return a.txid < b.txid ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

/** Orders cursor strings by position. */
export function compareCursors(a: string, b: string): number {
  return comparePositions(parseCursor(a), parseCursor(b));
}
