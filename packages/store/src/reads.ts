import { isStorableText } from "@memoria/sync-core";
import type { StoreContext } from "./context.js";
import { type Memory, rowToMemory } from "./memory.js";
import { CONTENT } from "./record.js";
import { recordColumns } from "./record-sql.js";
import { withClient } from "./sql.js";

/**
 * x as readers see it: the x last set minus the day marks after it was set (`x_hlc`; a
 * row from before x_hlc existed had x set at its own `hlc`). Every read of x goes through
 * this, so x filters and distances use it too. `m` is the `memories` row.
 */
export const EFFECTIVE_X = (s: string) =>
  `m.x - (select count(*) from ${s}.decrements d where d.namespace = m.namespace and d.hlc > coalesce(m.x_hlc, m.hlc)) as effective_x`;

const COLUMNS = recordColumns("m");

/**
 * The teams a caller may see (an API key bound to teams), or `undefined` for every team.
 * A team-bound caller never sees a record of another team, nor one without a team.
 */
export type TeamScope = readonly string[] | undefined;

/** `and m.team = any($n)` when scoped: SQL and its parameter, appended to `params`. */
export function teamClause(teams: TeamScope, params: unknown[], alias = "m."): string {
  if (teams === undefined) return "";
  params.push([...teams]);
  return ` and ${alias}team = any($${params.length}::text[])`;
}

export async function getMemory(
  ctx: StoreContext,
  id: string,
  teams?: TeamScope,
): Promise<Memory | undefined> {
  return withClient(ctx.pool, async (client) => {
    const params: unknown[] = [ctx.namespace, id];
    const scoped = teamClause(teams, params);
    const { rows } = await client.query(
      `select ${COLUMNS}, ${EFFECTIVE_X(ctx.s)} from ${ctx.s}.memories m where m.namespace = $1 and m.id = $2 and m.status = 'live'${scoped}`,
      params,
    );
    return rows[0] ? rowToMemory(rows[0]) : undefined;
  });
}

export interface MemoryFilter {
  team?: string;
  /** Only these teams' records (a team-bound API key); see `TeamScope`. */
  teams?: TeamScope;
  xMin?: number;
  xMax?: number;
  yMin?: number;
  yMax?: number;
  zMin?: number;
  zMax?: number;
  /** ISO times bounding `timestamp`. */
  since?: string;
  until?: string;
  limit: number;
  /** Opaque cursor from the previous page. */
  after?: string;
}

export interface MemoryPage {
  items: Memory[];
  next: string | null;
}

/** Live memories of our namespace, newest first, keyset-paginated by (timestamp, id). */
export async function listMemories(ctx: StoreContext, filter: MemoryFilter): Promise<MemoryPage> {
  const where = ["m.namespace = $1", "m.status = 'live'"];
  const params: unknown[] = [ctx.namespace];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace("?", `$${params.length}`));
  };
  if (filter.team !== undefined) add("m.team = ?", filter.team);
  if (filter.teams !== undefined) add("m.team = any(?::text[])", [...filter.teams]);
  if (filter.yMin !== undefined) add("m.y >= ?", filter.yMin);
  if (filter.yMax !== undefined) add("m.y <= ?", filter.yMax);
  if (filter.zMin !== undefined) add("m.z >= ?", filter.zMin);
  if (filter.zMax !== undefined) add("m.z <= ?", filter.zMax);
  if (filter.since !== undefined) add(`m."timestamp" >= ?`, filter.since);
  if (filter.until !== undefined) add(`m."timestamp" < ?`, filter.until);
  if (filter.after !== undefined) {
    const [time, id] = decodeCursor(filter.after);
    params.push(time, id);
    where.push(`(m."timestamp", m.id) < ($${params.length - 1}::timestamptz, $${params.length})`);
  }
  const xFilter: string[] = [];
  if (filter.xMin !== undefined) {
    params.push(filter.xMin);
    xFilter.push(`effective_x >= $${params.length}`);
  }
  if (filter.xMax !== undefined) {
    params.push(filter.xMax);
    xFilter.push(`effective_x <= $${params.length}`);
  }
  params.push(filter.limit + 1);
  const sql = `select * from (select ${COLUMNS}, ${EFFECTIVE_X(ctx.s)} from ${ctx.s}.memories m where ${where.join(" and ")}) q
    ${xFilter.length ? `where ${xFilter.join(" and ")}` : ""} order by "timestamp" desc, id desc limit $${params.length}`;
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(sql, params);
    const items = rows.slice(0, filter.limit).map(rowToMemory);
    const last = items[items.length - 1];
    return {
      items,
      next: rows.length > filter.limit && last ? encodeCursor(last.timestamp, last.id) : null,
    };
  });
}

function encodeCursor(time: string, id: string): string {
  return btoa(JSON.stringify([time, id])).replace(/=+$/, "");
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(atob(cursor)) as unknown;
    // What reaches SQL must be a time and a text the store holds: a crafted cursor is a 400.
    const [time, id] = Array.isArray(value) ? value : [];
    const timeOk = CONTENT.timestamp.rule.safeParse(time).success;
    if (timeOk && typeof id === "string" && isStorableText(id)) return [time as string, id];
  } catch {
    // fall through
  }
  throw new RangeError("invalid page cursor");
}

/** Highest HLC applied here per origin region (see `apply.ts`). */
export async function appliedWatermarks(ctx: StoreContext): Promise<Record<string, string>> {
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `select origin, hlc from ${ctx.s}.watermarks order by origin`,
    );
    return Object.fromEntries(rows.map((row) => [row.origin as string, row.hlc as string]));
  });
}
