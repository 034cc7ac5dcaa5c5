import type { StoreContext } from "./context.js";
import { type Memory, rowToMemory } from "./memory.js";
import { EFFECTIVE_X, type TeamScope } from "./reads.js";
import { recordColumns } from "./record-sql.js";
import { withClient } from "./sql.js";

/**
 * The reads behind upstream Memoria's query routes (`/memory/recent`, `/search`,
 * `/spatial`, `/time-range`, `/anchor`): one query over the live records of our
 * namespace, every filter optional. x is always the decremented x (`effective_x`).
 */

export type Axis = "x" | "y" | "z";

export interface MemoryQuery {
  /** Only these teams' records (a team-bound API key); see `TeamScope`. */
  teams?: TeamScope;
  /** Only this team's records (upstream's `team_id` / a team namespace). */
  team?: string;
  /** Case-insensitive substring of `text` or `anchor` (no embeddings). */
  text?: string;
  /** At least one of these is a substring of `text` or `anchor`. */
  keywords?: readonly string[];
  /** At least one of these is among the record's `symbolic_anchors`. */
  anchors?: readonly string[];
  /** Inclusive ISO bounds on `timestamp`. */
  since?: string;
  until?: string;
  /** Inclusive bounds on the decremented x. */
  xMin?: number;
  xMax?: number;
  /** Euclidean distance over the given axes (x decremented) at most `maxDistance`. */
  near?: { point: Partial<Record<Axis, number>>; maxDistance: number };
  /** `recent`: newest timestamp first; `distance`: nearest first; `chronological`: oldest first. */
  order: "recent" | "distance" | "chronological";
  limit: number;
  /** @default 0 */
  offset?: number;
}

/** A record found by a query; `distance` when the query had a point. */
export type FoundMemory = Memory & { distance?: number };

const COLUMNS = recordColumns("m");
const COLUMN_OF: Record<Axis, string> = { x: "effective_x", y: "y", z: "z" };

/** `%`, `_` and `\` match themselves in an ILIKE pattern. */
const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

class Sql {
  readonly params: unknown[];
  readonly inner: string[] = ["m.namespace = $1", "m.status = 'live'"];
  readonly outer: string[] = [];
  constructor(namespace: string) {
    this.params = [namespace];
  }
  /** The placeholder of a new parameter. */
  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

function matchesAny(sql: Sql, terms: readonly string[]): string {
  const ors = terms.map((term) => {
    const p = sql.p(likePattern(term));
    return `m.text ilike ${p} escape '\\' or m.anchor ilike ${p} escape '\\'`;
  });
  return `(${ors.join(" or ")})`;
}

function filters(sql: Sql, q: MemoryQuery): void {
  if (q.teams !== undefined) sql.inner.push(`m.team = any(${sql.p([...q.teams])}::text[])`);
  if (q.team !== undefined) sql.inner.push(`m.team = ${sql.p(q.team)}`);
  if (q.text) sql.inner.push(matchesAny(sql, [q.text]));
  if (q.keywords?.length) sql.inner.push(matchesAny(sql, q.keywords));
  if (q.anchors?.length)
    sql.inner.push(
      `exists (select 1 from jsonb_array_elements_text(m.symbolic_anchors) a(v) where a.v = any(${sql.p([...q.anchors])}::text[]))`,
    );
  if (q.since !== undefined) sql.inner.push(`m."timestamp" >= ${sql.p(q.since)}::timestamptz`);
  if (q.until !== undefined) sql.inner.push(`m."timestamp" <= ${sql.p(q.until)}::timestamptz`);
  if (q.xMin !== undefined) sql.outer.push(`effective_x >= ${sql.p(q.xMin)}`);
  if (q.xMax !== undefined) sql.outer.push(`effective_x <= ${sql.p(q.xMax)}`);
}

function distance(sql: Sql, q: MemoryQuery): string {
  const terms = Object.entries(q.near?.point ?? {}).map(
    ([axis, value]) => `power(${COLUMN_OF[axis as Axis]} - ${sql.p(value)}::float8, 2)`,
  );
  return terms.length ? `sqrt(${terms.join(" + ")})` : "null::float8";
}

const ORDER: Record<MemoryQuery["order"], string> = {
  recent: `"timestamp" desc, id desc`,
  distance: `distance asc, "timestamp" desc, id desc`,
  chronological: `"timestamp" asc, id asc`,
};

/** Live memories of our namespace matching `q`, at most `q.limit` of them after `q.offset`. */
export async function queryMemories(ctx: StoreContext, q: MemoryQuery): Promise<FoundMemory[]> {
  const sql = new Sql(ctx.namespace);
  filters(sql, q);
  const dist = distance(sql, q);
  if (q.near) sql.outer.push(`${dist} <= ${sql.p(q.near.maxDistance)}`);
  const limit = sql.p(q.limit);
  const offset = sql.p(q.offset ?? 0);
  const text = `select *, ${dist} as distance from (
      select ${COLUMNS}, ${EFFECTIVE_X(ctx.s)} from ${ctx.s}.memories m where ${sql.inner.join(" and ")}
    ) q ${sql.outer.length ? `where ${sql.outer.join(" and ")}` : ""}
    order by ${ORDER[q.order]} limit ${limit} offset ${offset}`;
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(text, sql.params);
    return rows.map((row) => {
      const memory: FoundMemory = rowToMemory(row);
      if (row.distance !== null && row.distance !== undefined)
        memory.distance = Number(row.distance);
      return memory;
    });
  });
}
