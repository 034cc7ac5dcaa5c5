import type { StoreContext } from "./context.js";
import { counterUpsert } from "./counters.js";
import { withClient } from "./sql.js";
import { SqlParams, writeTogether } from "./statement.js";

/**
 * After each sync cycle, in one statement: its report (`last_sync_cycle`, what
 * `/health/sync` shows) and where its time went, as counters (`sync_cycles_total`,
 * `sync_cycle_stage_seconds_total{stage}`), so a rate over a window gives the mean cost
 * of each stage per cycle.
 */
export async function recordSyncCycle(
  ctx: StoreContext,
  report: unknown,
  stageSeconds: Readonly<Record<string, number>>,
  cycles = 1,
): Promise<void> {
  const params = new SqlParams();
  const metadata = `insert into ${ctx.s}.service_metadata (key, value)
    values ('last_sync_cycle', ${params.add(JSON.stringify(report))}::jsonb)
    on conflict (key) do update set value = excluded.value, updated_at = now()`;
  const counters = counterUpsert(
    ctx.s,
    [
      { name: "sync_cycles_total", by: cycles },
      ...Object.entries(stageSeconds).map(([stage, seconds]) => ({
        name: "sync_cycle_stage_seconds_total",
        labels: { stage },
        by: seconds,
      })),
    ],
    params,
  );
  await withClient(ctx.pool, (client) => writeTogether(client, params, [metadata, counters]));
}
