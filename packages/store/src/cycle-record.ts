import type { StoreContext } from "./context.js";
import { addCounters } from "./counters.js";
import { inTransaction } from "./sql.js";

/**
 * After each sync cycle: its report (`last_sync_cycle`, what `/health/sync` shows) and
 * where its time went, as counters (`sync_cycles_total`,
 * `sync_cycle_stage_seconds_total{stage}`), so a rate over a window gives the mean cost
 * of each stage per cycle.
 */
export async function recordSyncCycle(
  ctx: StoreContext,
  report: unknown,
  stageSeconds: Readonly<Record<string, number>>,
): Promise<void> {
  await inTransaction(ctx.pool, async (client) => {
    await client.query(
      `insert into ${ctx.s}.service_metadata (key, value) values ('last_sync_cycle', $1::jsonb)
       on conflict (key) do update set value = excluded.value, updated_at = now()`,
      [JSON.stringify(report)],
    );
    await addCounters(client, ctx.s, [
      { name: "sync_cycles_total", by: 1 },
      ...Object.entries(stageSeconds).map(([stage, seconds]) => ({
        name: "sync_cycle_stage_seconds_total",
        labels: { stage },
        by: seconds,
      })),
    ]);
  });
}
