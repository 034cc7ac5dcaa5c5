import { compareHlc } from "@memoria/sync-core";
import { divergence, phantoms } from "./compare.js";
import { BANDS, REGION_ID } from "./deployment.js";
import type { Ack } from "./ledger.js";
import type { FinalState, RowState } from "./observe.js";
import { CATEGORIES, type Category, type Offense } from "./offense.js";
import { REGIONS, type RegionName } from "./plan.js";

/**
 * The chaos run's checker: pure, from what the clients were told (the ledger) and what
 * the regions hold at the end (their stores and their API). Definitions:
 *
 * - The winner W of a record is its acknowledged write with the greatest HLC (the order
 *   merge uses: last writer wins on HLC, not on wall-clock arrival). An acknowledged
 *   delete absorbs everything: the record must then be live nowhere, whatever came after.
 * - W is visible in region R when R wrote it, or W's y is inside the writer's band (it may
 *   leave) and inside R's band (R may hold it). Where visible, R must hold W: live, at
 *   W's HLC, with W's text, y, z and anchor as the writer answered them ("lost" otherwise).
 * - Decrement oracle: effective x = x(S) − #marks with hlc > S.hlc, one mark per date,
 *   where S is the last explicit x set (a create, or an update sending x) in W's lineage:
 *   W itself when W sets x; else the set whose HLC the answer names as `x_hlc`; else an
 *   acknowledged set before W whose x explains the x W's region answered (x(S) minus at
 *   most the marks between S and W, the ones that region could have known).
 * - Records a dropped connection may have written unanswered ("tainted") are held only to
 *   the checks that do not need to know the winner: leaks, resurrections, divergence.
 */

export interface CheckInput {
  acks: readonly Ack[];
  tainted: ReadonlySet<string>;
  orphanTexts: ReadonlySet<string>;
  final: FinalState;
  /** Every date a decrement must have run for, once. */
  expectedDates: readonly string[];
}

export interface Verdict {
  /** Distinct offending records (or marks) per category. */
  counts: Record<Category, number>;
  offenses: Offense[];
}

export function check(input: CheckInput): Verdict {
  const offenses: Offense[] = [];
  const byRecord = groupAcks(input.acks);
  const marks = markHlcs(input, offenses);
  for (const [id, acks] of byRecord) {
    if (acks.some((a) => a.kind === "delete")) {
      offenses.push(...resurrections(id, input.final));
      continue;
    }
    if (input.tainted.has(id)) continue;
    offenses.push(...lostOrWrong(id, acks, input.final, marks));
  }
  offenses.push(...leaks(input.final), ...divergence(input.final));
  offenses.push(...phantoms(input.final, byRecord, input.tainted, input.orphanTexts));
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const seen = new Set<string>();
  for (const offense of offenses) {
    const key = `${offense.category}\u0000${offense.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    counts[offense.category]++;
  }
  return { counts, offenses };
}

function groupAcks(acks: readonly Ack[]): Map<string, Ack[]> {
  const byRecord = new Map<string, Ack[]>();
  for (const ack of acks) byRecord.set(ack.id, [...(byRecord.get(ack.id) ?? []), ack]);
  for (const list of byRecord.values()) list.sort((p, q) => compareHlc(p.hlc, q.hlc));
  return byRecord;
}

export const inBand = (region: RegionName, y: number | null | undefined): boolean =>
  y !== null && y !== undefined && y >= BANDS[region].floor && y <= BANDS[region].ceiling;

function visible(w: Ack, region: RegionName): boolean {
  const y = w.memory?.y;
  return w.region === region || (inBand(w.region, y) && inBand(region, y));
}

/**
 * Every expected date marked exactly once in both regions, with the same HLC (the first
 * HLC seen wins everywhere), and no other date. Returns the marks' HLCs (one per date).
 */
function markHlcs(input: CheckInput, offenses: Offense[]): string[] {
  const { marks } = input.final;
  const dates = new Set([...input.expectedDates, ...marks.a.keys(), ...marks.b.keys()]);
  const hlcs: string[] = [];
  for (const date of [...dates].sort()) {
    const id = `mark:${date}`;
    const [a, b] = [marks.a.get(date), marks.b.get(date)];
    if (!input.expectedDates.includes(date))
      offenses.push({ category: "decrement", id, why: `a mark for a date no cron reached` });
    for (const region of REGIONS)
      if (marks[region].get(date) === undefined)
        offenses.push({ category: "decrement", id, region, why: "no mark for this date" });
    if (a !== undefined && b !== undefined && a !== b)
      offenses.push({
        category: "decrement",
        id,
        why: `regions disagree on its HLC: ${a} vs ${b}`,
      });
    const first = [a, b].filter((h): h is string => h !== undefined).sort(compareHlc)[0];
    if (first !== undefined) hlcs.push(first);
  }
  return hlcs;
}

function resurrections(id: string, final: FinalState): Offense[] {
  return REGIONS.filter(
    (region) =>
      final.rows[region].get(id)?.status === "live" || final.api[region].get(id)?.status === 200,
  ).map((region) => ({
    category: "resurrected" as const,
    id,
    region,
    why: `deleted (acknowledged) but ${final.rows[region].get(id)?.status ?? "absent"} in the store, GET ${final.api[region].get(id)?.status}`,
  }));
}

function lostOrWrong(id: string, acks: Ack[], final: FinalState, marks: string[]): Offense[] {
  const w = acks.at(-1) as Ack;
  const offenses: Offense[] = [];
  for (const region of REGIONS) {
    if (!visible(w, region)) continue;
    const row = final.rows[region].get(id);
    const api = final.api[region].get(id);
    const why = stateMismatch(w, row);
    if (why !== undefined) {
      offenses.push({ category: "lost", id, region, why: `last write ${w.op}@${w.hlc}: ${why}` });
      continue;
    }
    if (api?.status !== 200 || api.x === undefined) {
      offenses.push({
        category: "lost",
        id,
        region,
        why: `stored live but GET answers ${api?.status}`,
      });
      continue;
    }
    const expected = expectedX(acks, w, marks);
    if (!expected.includes(api.x))
      offenses.push({
        category: "decrement",
        id,
        region,
        why: `effective x ${api.x}, oracle ${expected.length === 0 ? "(no lineage)" : expected.join(" or ")} (last write ${w.op} ${w.kind}, answered x ${w.memory?.x}; x sets ${describeSets(acks)}; ${marks.length} marks)`,
      });
  }
  return offenses;
}

function stateMismatch(w: Ack, row: RowState | undefined): string | undefined {
  if (!row) return "absent";
  if (row.status !== "live") return `${row.status} at ${row.hlc}`;
  if (row.hlc !== w.hlc)
    return `holds ${compareHlc(row.hlc, w.hlc) < 0 ? "an older" : "a newer, unacknowledged"} write @${row.hlc} (${row.text})`;
  const m = w.memory;
  if (!m) return "no answer to compare";
  for (const field of ["text", "y", "z", "anchor"] as const)
    if (row[field] !== m[field]) return `${field} is ${row[field]}, answered ${m[field]}`;
  return undefined;
}

export function expectedX(acks: Ack[], w: Ack, marks: string[]): number[] {
  const after = (hlc: string) => marks.filter((m) => compareHlc(m, hlc) > 0).length;
  const between = (lo: string, hi: string) =>
    marks.filter((m) => compareHlc(m, lo) > 0 && compareHlc(m, hi) < 0).length;
  const sets = acks.filter((a) => a.setsX !== undefined);
  const oracle = (s: Ack) => (s.setsX as number) - after(s.hlc);
  if (w.setsX !== undefined) return [oracle(w)];
  const named = w.memory?.x_hlc;
  if (named !== undefined) return sets.filter((s) => s.hlc === named).map(oracle);
  const answered = w.memory?.x;
  if (answered === undefined) return [];
  return sets
    .filter((s) => compareHlc(s.hlc, w.hlc) < 0)
    .filter((s) => {
      const x = s.setsX as number;
      return answered <= x && answered >= x - between(s.hlc, w.hlc);
    })
    .reverse()
    .map(oracle);
}

function describeSets(acks: Ack[]): string {
  const sets = acks.filter((a) => a.setsX !== undefined);
  return sets.length === 0 ? "none" : sets.map((a) => `${a.setsX}@${a.hlc}`).join(", ");
}

/** Content a region's band forbids, held in a region that did not write it. */
function leaks(final: FinalState): Offense[] {
  const offenses: Offense[] = [];
  for (const region of REGIONS)
    for (const row of final.rows[region].values())
      if (row.status === "live" && !inBand(region, row.y) && row.origin !== REGION_ID[region])
        offenses.push({
          category: "leaked",
          id: row.id,
          region,
          why: `holds y=${row.y} from ${row.origin}; its band is ${BANDS[region].floor}..${BANDS[region].ceiling}`,
        });
  return offenses;
}
