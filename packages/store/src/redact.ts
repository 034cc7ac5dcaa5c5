import type { StoreContext } from "./context.js";
import { addCounters, privacyFiltered } from "./counters.js";
import { clearContent } from "./record-sql.js";
import { inTransaction } from "./sql.js";

/**
 * Makes the stored state obey `band` again after it was tightened: every peer's record
 * now outside it becomes a redaction (no content). This region's own records are not
 * touched — the band governs what crosses regions, not what is written here. Returns how
 * many records were redacted.
 */
export async function redactOutsideBand(
  ctx: StoreContext,
  band: { floor: number; ceiling: number },
): Promise<number> {
  return inTransaction(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `update ${ctx.s}.memories set status = 'redacted', ${clearContent()}, updated_at = now()
       where namespace = $1 and origin <> $2 and status = 'live' and (y is null or y < $3 or y > $4)
       returning origin`,
      [ctx.namespace, ctx.region, band.floor, band.ceiling],
    );
    const byOrigin = new Map<string, number>();
    for (const row of rows)
      byOrigin.set(row.origin as string, (byOrigin.get(row.origin as string) ?? 0) + 1);
    await addCounters(
      client,
      ctx.s,
      [...byOrigin].map(([origin, by]) => privacyFiltered("subscriber", "band-change", origin, by)),
    );
    return rows.length;
  });
}
