import { formatHlc } from "@memoria/sync-core";
import { describe, expect, it } from "vitest";
import { type CheckInput, check } from "./checker.js";
import type { Ack } from "./ledger.js";
import type { FinalState, RowState } from "./observe.js";
import type { RegionName } from "./plan.js";

/**
 * The checker on hand-made ledgers and final states: a clean history passes, and each
 * kind of breakage is counted in its category (and only there). The chaos runs trust
 * these counts, so each must be seen to fire.
 */

const node = { a: "region-a", b: "region-b" } as const;
const h = (ms: number, region: RegionName) =>
  formatHlc({ wall: 1_700_000_000_000 + ms, counter: 0, node: node[region] });
const ID = "00000000-0000-7000-8000-000000000001";
const DATE = "2030-01-02";

function live(hlc: string, origin: RegionName, text: string, y: number, x: number): RowState {
  return { id: ID, status: "live", hlc, origin: node[origin], text, x, y, z: 0, anchor: "" };
}

function ack(kind: Ack["kind"], region: RegionName, hlc: string, fields: Partial<Ack> = {}): Ack {
  return { op: `${kind}@${hlc}`, kind, region, id: ID, hlc, ...fields };
}

function answered(hlc: string, text: string, y: number, x: number) {
  return { text, y, x, z: 0, anchor: "", hlc };
}

/** A record created in A (y 5, x 10), a mark, then a text update in B that had not seen the mark. */
function history(): {
  acks: Ack[];
  final: FinalState;
  input: (f?: Partial<CheckInput>) => CheckInput;
} {
  const created = h(0, "a");
  const mark = h(10, "b");
  const updated = h(20, "b");
  const acks = [
    ack("create", "a", created, { setsX: 10, memory: answered(created, "one", 5, 10) }),
    ack("text", "b", updated, { memory: answered(updated, "two", 5, 10) }),
  ];
  const final: FinalState = {
    rows: {
      a: new Map([[ID, live(updated, "b", "two", 5, 10)]]),
      b: new Map([[ID, live(updated, "b", "two", 5, 10)]]),
    },
    marks: { a: new Map([[DATE, mark]]), b: new Map([[DATE, mark]]) },
    // The oracle: x set to 10 at `created`, one mark after it: 9.
    api: { a: new Map([[ID, { status: 200, x: 9 }]]), b: new Map([[ID, { status: 200, x: 9 }]]) },
  };
  const input = (f: Partial<CheckInput> = {}) => ({
    acks,
    tainted: new Set<string>(),
    orphanTexts: new Set<string>(),
    final,
    expectedDates: [DATE],
    ...f,
  });
  return { acks, final, input };
}

const zero = { lost: 0, diverged: 0, leaked: 0, resurrected: 0, decrement: 0, phantom: 0 };

describe("the chaos checker", () => {
  it("passes a clean history", () => {
    expect(check(history().input()).counts).toEqual(zero);
  });

  it("counts a decrement the update swallowed (x read 10 where the oracle says 9)", () => {
    const { final, input } = history();
    for (const region of ["a", "b"] as const) final.api[region].set(ID, { status: 200, x: 10 });
    expect(check(input()).counts).toEqual({ ...zero, decrement: 1 });
  });

  it("counts a missing, an extra and a disputed mark", () => {
    const { final, input } = history();
    final.marks.b.delete(DATE);
    expect(check(input()).counts).toEqual({ ...zero, decrement: 1 });
    final.marks.b.set(DATE, h(11, "a"));
    // Before the record's x was set, so the oracle is unchanged: only the mark is wrong.
    final.marks.a.set("2030-01-03", h(-5, "a"));
    final.marks.b.set("2030-01-03", h(-5, "a"));
    expect(check(input()).counts).toEqual({ ...zero, decrement: 2 });
  });

  it("counts an acknowledged write a region lost, and the regions' disagreement", () => {
    const { final, input } = history();
    final.rows.a.set(ID, live(h(0, "a"), "a", "one", 5, 10));
    const verdict = check(input());
    expect(verdict.counts).toEqual({ ...zero, lost: 1, diverged: 1 });
    expect(verdict.offenses.find((o) => o.category === "lost")).toMatchObject({ region: "a" });
  });

  it("counts content a band forbids held by a region that did not write it", () => {
    const { final, input } = history();
    const other = "00000000-0000-7000-8000-000000000002";
    final.rows.b.set(other, { ...live(h(5, "a"), "a", "secret", -5, 0), id: other });
    final.rows.a.set(other, { ...live(h(5, "a"), "a", "secret", -5, 0), id: other });
    const verdict = check(input({ orphanTexts: new Set(["secret"]) }));
    expect(verdict.counts).toEqual({ ...zero, leaked: 1 });
  });

  it("counts a deleted record that is live again, and a record nobody wrote", () => {
    const { acks, final, input } = history();
    const deleted = h(30, "a");
    acks.push(ack("delete", "a", deleted));
    final.rows.a.set(ID, { ...live(deleted, "a", "", 5, 0), status: "deleted", text: null });
    expect(check(input()).counts).toEqual({ ...zero, resurrected: 1, diverged: 1 });
    const stray = "00000000-0000-7000-8000-000000000003";
    final.rows.a.set(stray, { ...live(h(40, "a"), "a", "stray", 5, 0), id: stray });
    expect(check(input()).counts).toMatchObject({ phantom: 1 });
  });

  it("lets two private versions of one record differ, but not a stale shared copy", () => {
    const { final, input } = history();
    const other = "00000000-0000-7000-8000-000000000004";
    // A created it (y −13, its own), then B created it too with the same key (B's own, never sent).
    const acks = [
      {
        ...ack("create", "a", h(50, "a"), { setsX: 1 }),
        id: other,
        memory: answered(h(50, "a"), "p", -13, 1),
      },
      {
        ...ack("create", "b", h(60, "b"), { setsX: 1 }),
        id: other,
        memory: answered(h(60, "b"), "p", -13, 1),
      },
    ];
    final.rows.a.set(other, { ...live(h(50, "a"), "a", "p", -13, 1), id: other });
    final.rows.b.set(other, { ...live(h(60, "b"), "b", "p", -13, 1), id: other });
    final.api.b.set(other, { status: 200, x: 1 });
    final.api.a.set(other, { status: 200, x: 1 });
    const base = history().acks;
    expect(check(input({ acks: [...base, ...acks] })).counts).toEqual(zero);
    // A's copy had a shared y: B's newer private write made it stale.
    final.rows.a.set(other, { ...live(h(50, "a"), "a", "p", 5, 1), id: other });
    expect(check(input({ acks: [...base, ...acks] })).counts).toEqual({ ...zero, diverged: 1 });
  });
});
