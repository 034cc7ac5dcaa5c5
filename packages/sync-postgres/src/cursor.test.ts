import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareCursors, formatCursor, ORIGIN, parseCursor } from "./cursor.js";
import { journalNames, MAX_TABLE_NAME } from "./names.js";

describe("cursor", () => {
  it("round-trips <txid>:<id> over the whole xid8 and bigint range", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
        (txid, id) => {
          expect(parseCursor(formatCursor({ txid, id }))).toEqual({ txid, id });
        },
      ),
    );
    expect(formatCursor(ORIGIN)).toBe("0:0");
  });

  it("orders by transaction id first, then row id (numerically, not as text)", () => {
    expect(compareCursors("9:100", "10:1")).toBe(-1);
    expect(compareCursors("10:2", "10:10")).toBe(-1);
    expect(compareCursors("10:10", "10:10")).toBe(0);
    expect(compareCursors("11:1", "10:99")).toBe(1);
  });

  it("refuses anything else", () => {
    for (const bad of [
      "",
      "1",
      "1:",
      ":1",
      "1:2:3",
      "-1:2",
      "1:2 ",
      "0x1:2",
      "18446744073709551616:1",
      "1:9223372036854775808",
    ]) {
      expect(() => parseCursor(bad)).toThrow(TypeError);
    }
  });
});

describe("journalNames", () => {
  it("quotes and derives every name from sync.table", () => {
    expect(journalNames("memoria_sync_events")).toMatchObject({
      schema: null,
      journal: '"memoria_sync_events"',
      cursors: '"memoria_sync_events_cursors"',
      pending: '"memoria_sync_events_pending"',
      leases: '"memoria_sync_events_leases"',
      positionIndex: '"memoria_sync_events_pos_idx"',
    });
    expect(journalNames("infra.events")).toMatchObject({
      schema: "infra",
      journal: '"infra"."events"',
      cursors: '"infra"."events_cursors"',
      publishedIndex: '"events_pub_idx"',
    });
    expect(MAX_TABLE_NAME).toBe(55);
  });
});
