import { compareHlc } from "@memoria/sync-core";
import { BANDS, REGION_ID } from "./deployment.js";
import type { Ack } from "./ledger.js";
import type { ApiView, FinalState, RowState } from "./observe.js";
import type { Offense } from "./offense.js";

/**
 * The checks that need no ledger: the two regions against each other, on what both may
 * hold. B's band is inside A's, so "a y both bands allow" is a y in B's band. Where two
 * states of a record differ, the newer one (by HLC) decides: if its y is shared, or it
 * was published (its y is inside its writer's band), the other region must have taken it
 * (or, for a y it may not hold, a redaction); an older copy with a shared y left standing
 * beside a newer state is stale. Only two private versions (neither y shared, the newer
 * never published) may differ: each is its writer's own. A tombstone means live nowhere.
 */

const shared = (y: number | null) => y !== null && y >= BANDS.b.floor && y <= BANDS.b.ceiling;
const regionOf = (origin: string) => (origin === REGION_ID.a ? "a" : "b");
/** The newer state was sent to peers: its y is inside its writer's band. */
const published = (s: RowState) => {
  const band = BANDS[regionOf(s.origin)];
  return s.y !== null && s.y >= band.floor && s.y <= band.ceiling;
};

export function divergence(final: FinalState): Offense[] {
  const offenses: Offense[] = [];
  const ids = new Set([...final.rows.a.keys(), ...final.rows.b.keys()]);
  for (const id of ids) {
    const why = differs(
      final.rows.a.get(id),
      final.rows.b.get(id),
      final.api.a.get(id),
      final.api.b.get(id),
    );
    if (why !== undefined) offenses.push({ category: "diverged", id, why });
  }
  return offenses;
}

function differs(
  a: RowState | undefined,
  b: RowState | undefined,
  apiA: ApiView | undefined,
  apiB: ApiView | undefined,
): string | undefined {
  const show = (s: RowState | undefined) =>
    s ? `${s.status}@${s.hlc} y=${s.y} text=${JSON.stringify(s.text)}` : "absent";
  const pair = `A ${show(a)}; B ${show(b)}`;
  const live = (s: RowState | undefined) => s?.status === "live";
  if ((a?.status === "deleted" && live(b)) || (b?.status === "deleted" && live(a)))
    return `a tombstone in one region, live in the other: ${pair}`;
  if (live(a) && live(b)) {
    const same = (["hlc", "text", "y", "z", "anchor"] as const).every((f) => a?.[f] === b?.[f]);
    if (same)
      return apiA?.x === apiB?.x
        ? undefined
        : `effective x ${apiA?.x} in A, ${apiB?.x} in B: ${pair}`;
    const [older, newer] = [a, b].sort((p, q) => compareHlc(p?.hlc ?? "", q?.hlc ?? "")) as [
      RowState,
      RowState,
    ];
    if (shared(newer.y) || shared(older.y) || published(newer))
      return `both live, different states: ${pair}`;
    return undefined;
  }
  const holder = live(a) ? a : live(b) ? b : undefined;
  const other = holder === a ? b : a;
  if (!holder) return undefined;
  if (other?.status === "redacted" && compareHlc(other.hlc, holder.hlc) > 0)
    return `a live copy older than the other region's redaction: ${pair}`;
  if (shared(holder.y)) return `live in one region only, with a y both bands allow: ${pair}`;
  return undefined;
}

/** Live records nobody was told about, that no unanswered create explains. */
export function phantoms(
  final: FinalState,
  acked: ReadonlyMap<string, readonly Ack[]>,
  tainted: ReadonlySet<string>,
  orphanTexts: ReadonlySet<string>,
): Offense[] {
  const offenses: Offense[] = [];
  for (const region of ["a", "b"] as const)
    for (const row of final.rows[region].values()) {
      if (row.status !== "live" || acked.has(row.id) || tainted.has(row.id)) continue;
      if (row.text !== null && orphanTexts.has(row.text)) continue;
      offenses.push({
        category: "phantom",
        id: row.id,
        region,
        why: `live (${row.text}, from ${row.origin}) but no client was told it was written`,
      });
    }
  return offenses;
}
