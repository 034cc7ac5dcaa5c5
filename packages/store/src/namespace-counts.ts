import type { StoreContext } from "./context.js";
import { inTransaction } from "./sql.js";

/** Team spaces counted by name, largest first; the rest are summed into one row (`team: "*"`). */
export const COUNTED_TEAM_SPACES = 50;

/**
 * The count is one scan of the namespace's live rows: bounded so a scrape of a large
 * store costs at most this much database time (past it, no counts rather than a slow scrape).
 */
const COUNT_TIMEOUT_MS = 2_000;

export interface TeamSpaceCount {
  /** The record's team, `null` outside any team space, `"*"` for the team spaces past the cap. */
  team: string | null;
  records: number;
}

/** Live records of this store's namespace per team space (the playbook's "namespace counts"). */
export async function countLiveByTeam(ctx: StoreContext): Promise<TeamSpaceCount[]> {
  return inTransaction(ctx.pool, async (client) => {
    await client.query(`set local statement_timeout = ${COUNT_TIMEOUT_MS}`);
    const { rows } = await client.query(
      `select team, count(*)::int as n from ${ctx.s}.memories
       where namespace = $1 and status = 'live' group by team order by n desc, team`,
      [ctx.namespace],
    );
    const counts = rows.map((row) => ({
      team: (row.team as string | null) ?? null,
      records: Number(row.n),
    }));
    const named = counts.filter((c) => c.team !== null).slice(0, COUNTED_TEAM_SPACES);
    const rest = counts
      .filter((c) => c.team !== null)
      .slice(COUNTED_TEAM_SPACES)
      .reduce((sum, c) => sum + c.records, 0);
    return [
      ...counts.filter((c) => c.team === null),
      ...named,
      ...(rest > 0 ? [{ team: "*", records: rest }] : []),
    ];
  });
}
