import type { Pool } from "pg";

/** Backends of one store's pools, as Postgres lists them (`application_name`, see the gateway's store-pool/neon.ts). */
export interface StoreConnections {
  /** Open backends by application_name (`memoria <region> requests|puller <schema>`). */
  byPool: Record<string, number>;
  pids: number[];
}

/** The backends the regions' pools hold on `schemas`' stores right now. */
export async function storeConnections(pg: Pool, schemas: string[]): Promise<StoreConnections> {
  const { rows } = await pg.query<{ pid: number; application_name: string }>(
    `select pid, application_name from pg_stat_activity
     where application_name like 'memoria %' and split_part(application_name, ' ', 4) = any($1)`,
    [schemas],
  );
  const byPool: Record<string, number> = {};
  for (const row of rows) byPool[row.application_name] = (byPool[row.application_name] ?? 0) + 1;
  return { byPool, pids: rows.map((row) => row.pid) };
}

/**
 * What the run did to the connections: how many were open before and after, and how many
 * backends were opened during it (none, when connections outlive requests; one per
 * request and per cycle, when they do not).
 */
export function connectionChurn(before: StoreConnections, after: StoreConnections) {
  return {
    open_before: before.pids.length,
    open_after: after.pids.length,
    opened_during_run: after.pids.filter((pid) => !before.pids.includes(pid)).length,
    by_pool_after: after.byPool,
  };
}
