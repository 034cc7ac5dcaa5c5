import { eventEffect, type RecordState, type SyncEvent } from "@memoria/sync-core";
import { recordKey, storedState } from "./apply-records.js";
import type { StoreContext } from "./context.js";
import type { SqlClient } from "./sql.js";

export interface Claim {
  /** The ids seen here for the first time: this transaction applies them. */
  fresh: Set<string>;
  /** The stored state of every record the batch may change, locked until commit. */
  stored: Map<string, RecordState>;
}

/**
 * The first statement of a batch, one round trip: inserts the events' ids into the
 * ledger (an id already there is skipped, so redelivery never applies anything twice)
 * and reads, locked `for update`, the stored rows of every record the events name.
 * Which events are fresh is not known until the claim, so the rows of a redelivered
 * event's record are locked too: a few more locks, never a wrong merge. Both in sorted
 * order, so concurrent batches take index and row locks in one order.
 */
export async function claimAndLock(
  client: SqlClient,
  ctx: StoreContext,
  events: readonly SyncEvent[],
): Promise<Claim> {
  if (events.length === 0) return { fresh: new Set(), stored: new Map() };
  const sorted = [...events].sort((a, b) => (a.id < b.id ? -1 : 1));
  const keys = recordKeys(events);
  const { rows } = await client.query(
    `with claimed as (
       insert into ${ctx.s}.applied_events (event_id, origin, action, outcome)
       select id, origin, action, 'pending' from unnest($1::text[], $2::text[], $3::text[]) as t(id, origin, action)
       on conflict (event_id) do nothing returning event_id
     ), stored as (
       select m.namespace, m.id, m.status, m.hlc::text as hlc, m.x, m.y from ${ctx.s}.memories m
       join unnest($4::text[], $5::text[]) as k(namespace, id) on m.namespace = k.namespace and m.id = k.id
       order by m.namespace, m.id for update of m
     )
     select event_id, null as namespace, null as id, null as status, null as hlc, null::float8 as x, null::float8 as y from claimed
     union all
     select null, namespace, id, status, hlc, x, y from stored`,
    [
      sorted.map((e) => e.id),
      sorted.map((e) => e.origin),
      sorted.map((e) => e.action),
      keys.map(([namespace]) => namespace),
      keys.map(([, id]) => id),
    ],
  );
  const claim: Claim = { fresh: new Set(), stored: new Map() };
  for (const row of rows) {
    if (row.event_id !== null) claim.fresh.add(row.event_id as string);
    else claim.stored.set(recordKey(row.namespace as string, row.id as string), storedState(row));
  }
  return claim;
}

/** The (namespace, id) of every record the events ask to change, sorted, once each. */
function recordKeys(events: readonly SyncEvent[]): Array<[string, string]> {
  const keys = new Map<string, [string, string]>();
  for (const event of events) {
    // Redacted: the same record, without copying the payload into a state nobody reads.
    const effect = eventEffect(event, true);
    if (effect.kind !== "record") continue;
    const { namespace, id } = effect.state;
    keys.set(recordKey(namespace, id), [namespace, id]);
  }
  return [...keys.keys()].sort().map((key) => keys.get(key) as [string, string]);
}
