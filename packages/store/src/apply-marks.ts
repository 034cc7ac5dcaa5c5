import {
  compareHlc,
  type DecrementMark,
  decrementKey,
  mergeDecrement,
  type SyncEvent,
} from "@memoria/sync-core";
import type { ApplyOutcome } from "./apply-outcomes.js";
import type { StoreContext } from "./context.js";
import type { SqlClient } from "./sql.js";

/**
 * Folds a batch's decrement marks to the smallest HLC per (namespace, date), writes them
 * where they beat the stored mark, and sets each event's outcome: `applied` for the one
 * whose mark now stands. Its own statement (marks are rare: one a day per namespace).
 */
export async function mergeMarks(
  client: SqlClient,
  ctx: StoreContext,
  marks: Array<{ event: SyncEvent; mark: DecrementMark }>,
  outcomes: Map<string, ApplyOutcome>,
): Promise<void> {
  if (marks.length === 0) return;
  const best = new Map<string, DecrementMark>();
  for (const { mark } of marks)
    best.set(
      decrementKey(mark.namespace, mark.date),
      mergeDecrement(best.get(decrementKey(mark.namespace, mark.date)), mark),
    );
  const winners = [...best.values()].sort((a, b) =>
    decrementKey(a.namespace, a.date) < decrementKey(b.namespace, b.date) ? -1 : 1,
  );
  const { rows } = await client.query(
    `insert into ${ctx.s}.decrements (namespace, date, hlc)
     select * from unnest($1::text[], $2::date[], $3::text[])
     on conflict (namespace, date) do update set hlc = excluded.hlc where excluded.hlc < ${ctx.s}.decrements.hlc
     returning namespace, to_char(date, 'YYYY-MM-DD') as date, hlc`,
    [winners.map((m) => m.namespace), winners.map((m) => m.date), winners.map((m) => m.hlc)],
  );
  const written = new Set(
    rows.map(
      (row) =>
        `${decrementKey(row.namespace as string, row.date as string)}\u0000${row.hlc as string}`,
    ),
  );
  for (const { event, mark } of marks) {
    const key = decrementKey(mark.namespace, mark.date);
    const won =
      compareHlc((best.get(key) as DecrementMark).hlc, mark.hlc) === 0 &&
      written.has(`${key}\u0000${mark.hlc}`);
    outcomes.set(event.id, won ? "applied" : "unchanged");
  }
}
