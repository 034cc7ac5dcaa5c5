import type { StoreContext } from "./context.js";
import { enqueueEvent, writeHlc } from "./events.js";
import { inTransaction, withClient } from "./sql.js";

export type DecrementResult =
  | { outcome: "applied"; eventId: string | null; hlc: string }
  | { outcome: "already-done" }
  | { outcome: "fenced"; highestToken: number };

/**
 * The daily decrement for one local date, run by the lease holder. Exactly once per
 * (namespace, date): the mark's primary key makes a second run (a cron firing twice, a
 * second would-be leader) a no-op. The fencing token must not be lower than any token
 * already used here, so an ex-leader that wakes up late cannot act.
 */
export async function runDecrement(
  ctx: StoreContext,
  date: string,
  fencingToken: number,
): Promise<DecrementResult> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new RangeError(`decrement date must be YYYY-MM-DD: ${date}`);
  return inTransaction(ctx.pool, async (client) => {
    const key = `decrement_fence:${ctx.namespace}`;
    const { rows: fence } = await client.query(
      `insert into ${ctx.s}.service_metadata (key, value) values ($1, to_jsonb($2::bigint))
       on conflict (key) do update set value = to_jsonb(greatest((${ctx.s}.service_metadata.value)::bigint, $2::bigint)), updated_at = now()
       returning (value)::bigint as highest`,
      [key, fencingToken],
    );
    const highest = Number(fence[0]?.highest);
    if (highest > fencingToken) return { outcome: "fenced", highestToken: highest };
    const { rows: latest } = await client.query(
      `select max(hlc) as hlc from ${ctx.s}.decrements where namespace = $1`,
      [ctx.namespace],
    );
    const hlc = writeHlc(ctx, (latest[0]?.hlc as string | null) ?? undefined);
    const { rowCount } = await client.query(
      `insert into ${ctx.s}.decrements (namespace, date, hlc) values ($1, $2, $3) on conflict (namespace, date) do nothing`,
      [ctx.namespace, date, hlc],
    );
    if (rowCount === 0) return { outcome: "already-done" };
    await client.query(
      `insert into ${ctx.s}.service_metadata (key, value) values ($1, to_jsonb($2::text))
       on conflict (key) do update set value = excluded.value, updated_at = now()`,
      [`last_decrement:${ctx.namespace}`, date],
    );
    // Which region ran this date's decrement, and when: the guide's scheduler check reads it.
    await client.query(
      `insert into ${ctx.s}.service_metadata (key, value)
       values ($1, jsonb_build_object('region', $2::text, 'date', $3::text, 'fencing_token', $4::bigint, 'ran_at', now()))
       on conflict (key) do update set value = excluded.value, updated_at = now()`,
      [`decrement_run:${ctx.namespace}:${date}`, ctx.region, date, fencingToken],
    );
    // A decrement carries no content, so every peer gets it whatever its band.
    const event = await enqueueEvent(client, ctx, {
      action: "schedule.decrement",
      entityType: "schedule",
      entityId: date,
      hlc,
      privacy: null,
      payload: { date, fencing_token: fencingToken },
    });
    return { outcome: "applied", eventId: event?.id ?? null, hlc };
  });
}

/** The newest local date decremented in our namespace (ours or a peer's), if any. */
export async function latestDecrementDate(ctx: StoreContext): Promise<string | null> {
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `select to_char(max(date), 'YYYY-MM-DD') as d from ${ctx.s}.decrements where namespace = $1`,
      [ctx.namespace],
    );
    return (rows[0]?.d as string | null) ?? null;
  });
}
