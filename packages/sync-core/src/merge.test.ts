import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SyncEvent } from "./event.js";
import { formatHlc } from "./hlc.js";
import { eventEffect, mergeRecord, type RecordState } from "./merge.js";
import {
  applyEffect,
  effectiveX,
  emptyReplica,
  mergeReplicas,
  type ReplicaState,
  visibleRecords,
} from "./merge.testkit.js";
import type { PrivacyBand } from "./privacy.js";
import { classifyInbound } from "./routing.js";
import { memoryEvent } from "./test-support.js";

const NS = "prod-shared";
const hlc = (wall: number, counter = 0, node = "region-a") => formatHlc({ wall, counter, node });

function write(
  id: string,
  at: string,
  x: number,
  y: number | null,
  action: SyncEvent["action"] = "memory.updated",
): SyncEvent {
  return memoryEvent({
    action,
    entity_id: id,
    hlc: at,
    privacy: y,
    payload: { id, x, y, text: `${id}@${at}` },
  });
}
function del(id: string, at: string): SyncEvent {
  return memoryEvent({
    action: "memory.deleted",
    entity_id: id,
    hlc: at,
    privacy: null,
    payload: undefined,
  });
}
function decrement(date: string, at: string): SyncEvent {
  return memoryEvent({
    action: "schedule.decrement",
    entity_type: "schedule",
    entity_id: date,
    hlc: at,
    privacy: null,
    payload: { date },
  });
}

/** A region receiving events: its own filters, then the merge. */
function receive(
  replica: ReplicaState,
  events: SyncEvent[],
  band: PrivacyBand,
  region = "region-z",
): ReplicaState {
  for (const event of events) {
    const verdict = classifyInbound(event, { namespace: NS, region, band });
    if (verdict.verdict === "drop") continue;
    applyEffect(replica, eventEffect(event, verdict.verdict === "redact"));
  }
  return replica;
}

const FULL = { floor: -15, ceiling: 15 };

describe("last-writer-wins records", () => {
  it("keeps the later write whatever the arrival order", () => {
    const early = write("m", hlc(1), 5, 3);
    const late = write("m", hlc(2), 7, 4);
    const ab = receive(emptyReplica(), [early, late], FULL);
    const ba = receive(emptyReplica(), [late, early], FULL);
    expect(ab).toEqual(ba);
    expect(ab.records.get("m")?.data?.x).toBe(7);
  });

  it("does not let a late update resurrect a tombstone, even with a newer clock", () => {
    const created = write("m", hlc(1), 5, 3, "memory.created");
    const deleted = del("m", hlc(2));
    const straggler = write("m", hlc(3, 0, "region-b"), 9, 3);
    for (const order of [
      [created, deleted, straggler],
      [straggler, deleted, created],
      [deleted, straggler, created],
    ]) {
      const replica = receive(emptyReplica(), order, FULL);
      expect(replica.records.get("m")).toMatchObject({ status: "deleted", data: null });
    }
  });

  it("breaks exact clock ties the same way on every replica", () => {
    const a: RecordState = {
      id: "m",
      namespace: NS,
      hlc: hlc(5),
      status: "live",
      data: { x: 1, y: 1 },
    };
    const b: RecordState = { ...a, data: { x: 2, y: 1 } };
    expect(mergeRecord(a, b)).toEqual(mergeRecord(b, a));
  });

  it("removes the content of a record that leaves our band and takes it back when it returns", () => {
    const band = { floor: 0, ceiling: 15 };
    const publicV = write("m", hlc(1), 5, 5, "memory.created");
    const privateV = write("m", hlc(2), 5, -12);
    const publicAgain = write("m", hlc(3), 5, 2);
    const afterPrivate = receive(emptyReplica(), [publicV, privateV], band);
    expect(afterPrivate.records.get("m")).toMatchObject({ status: "redacted", data: null });
    // The public version arriving late must not bring the content back.
    expect(receive(emptyReplica(), [privateV, publicV], band).records.get("m")).toMatchObject({
      status: "redacted",
    });
    expect(receive(afterPrivate, [publicAgain], band).records.get("m")).toMatchObject({
      status: "live",
      data: { y: 2 },
    });
  });
});

describe("daily decrement", () => {
  it("subtracts one per (namespace, date) from records written before it", () => {
    const replica = receive(
      emptyReplica(),
      [
        write("m", hlc(10), 10, 1, "memory.created"),
        decrement("2026-11-21", hlc(20)),
        decrement("2026-11-22", hlc(30)),
      ],
      FULL,
    );
    const record = replica.records.get("m") as RecordState;
    expect(effectiveX(record, replica.decrements.values())).toBe(8);
  });

  it("counts a day once even when two would-be leaders both ran it", () => {
    const replica = receive(
      emptyReplica(),
      [
        write("m", hlc(10), 10, 1),
        decrement("2026-11-21", hlc(20, 0, "region-a")),
        decrement("2026-11-21", hlc(25, 0, "region-b")),
      ],
      FULL,
    );
    expect(replica.decrements.size).toBe(1);
    expect(effectiveX(replica.records.get("m") as RecordState, replica.decrements.values())).toBe(
      9,
    );
  });

  it("commutes with a replicated update in either order", () => {
    const created = write("m", hlc(10), 10, 1, "memory.created");
    const dec = decrement("2026-11-21", hlc(20));
    // The writer had seen the decrement (x 10 → 9) and then set x to 4 itself.
    const update = write("m", hlc(30, 0, "region-b"), 4, 1);
    const orders = [
      [created, dec, update],
      [update, dec, created],
      [dec, update, created],
      [created, update, dec],
    ];
    const xs = orders.map((order) => {
      const replica = receive(emptyReplica(), order, FULL);
      return effectiveX(replica.records.get("m") as RecordState, replica.decrements.values());
    });
    expect(new Set(xs)).toEqual(new Set([4]));
  });

  it("does not touch other namespaces", () => {
    const other = memoryEvent({
      action: "schedule.decrement",
      entity_type: "schedule",
      entity_id: "2026-11-21",
      namespace: "elsewhere",
      hlc: hlc(20),
      privacy: null,
      payload: { date: "2026-11-21" },
    });
    const replica = emptyReplica();
    applyEffect(replica, eventEffect(write("m", hlc(10), 10, 1)));
    applyEffect(replica, eventEffect(other));
    expect(effectiveX(replica.records.get("m") as RecordState, replica.decrements.values())).toBe(
      10,
    );
  });
});

// Random histories: creates, updates (incl. privacy changes), deletes and decrements from
// two regions, with clocks that collide on purpose.
const ids = ["m1", "m2", "m3", "m4"];
const opArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      id: fc.constantFrom(...ids),
      x: fc.integer({ min: -5, max: 30 }),
      y: fc.option(fc.integer({ min: -15, max: 15 }), { freq: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("delete" as const), id: fc.constantFrom(...ids) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("decrement" as const),
      day: fc.integer({ min: 1, max: 5 }),
    }),
  },
);
const historyArb = fc.array(
  fc.record({
    op: opArb,
    wall: fc.integer({ min: 1, max: 40 }),
    counter: fc.nat({ max: 2 }),
    node: fc.constantFrom("region-a", "region-b"),
  }),
  { minLength: 1, maxLength: 40 },
);

type History = Array<{
  op: { kind: string; id?: string; x?: number; y?: number | null; day?: number };
  wall: number;
  counter: number;
  node: string;
}>;

function toEvents(history: History): SyncEvent[] {
  return history.map(({ op, wall, counter, node }) => {
    const at = hlc(wall, counter, node);
    if (op.kind === "delete") return { ...del(op.id as string, at), origin: node };
    if (op.kind === "decrement") return { ...decrement(`2026-11-2${op.day}`, at), origin: node };
    return { ...write(op.id as string, at, op.x as number, op.y ?? null), origin: node };
  });
}

/** A shuffled delivery with some events delivered twice. */
const deliveryArb = (events: SyncEvent[]) =>
  fc
    .tuple(
      fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
      fc.subarray(events),
    )
    .map(([order, again]) => [...order, ...again]);

function snapshot(replica: ReplicaState) {
  return {
    records: [...replica.records.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
    decrements: [...replica.decrements.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
  };
}

describe("convergence", () => {
  it("two replicas fed the same events in different orders, with duplicates, end equal", () => {
    fc.assert(
      fc.property(
        historyArb.chain((history) => {
          const events = toEvents(history);
          return fc.tuple(fc.constant(events), deliveryArb(events), deliveryArb(events));
        }),
        ([, first, second]) => {
          const band = { floor: -5, ceiling: 15 };
          expect(snapshot(receive(emptyReplica(), first, band))).toEqual(
            snapshot(receive(emptyReplica(), second, band)),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it("regions with different bands agree on everything both bands allow, and hold nothing outside their own", () => {
    const bandA = { floor: -15, ceiling: 15 };
    const bandB = { floor: 0, ceiling: 12 };
    const both = { floor: 0, ceiling: 12 };
    fc.assert(
      fc.property(
        historyArb.chain((history) => {
          // Real clocks never give two writes one HLC (the counter moves on): with a tie,
          // a region holding one side redacted would break it differently from one holding both.
          const events = toEvents(history.map((entry, index) => ({ ...entry, counter: index })));
          return fc.tuple(deliveryArb(events), deliveryArb(events));
        }),
        ([forA, forB]) => {
          const a = receive(emptyReplica(), forA, bandA, "region-c");
          const b = receive(emptyReplica(), forB, bandB, "region-d");
          expect(visibleRecords(a, both)).toEqual(visibleRecords(b, both));
          for (const record of b.records.values()) {
            if (record.status === "live") {
              expect(record.data?.y).not.toBeNull();
              expect(record.data?.y as number).toBeGreaterThanOrEqual(0);
              expect(record.data?.y as number).toBeLessThanOrEqual(12);
            } else {
              expect(record.data).toBeNull();
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("merging replicas is commutative, associative and idempotent", () => {
    const replicaArb = historyArb.map((history) =>
      receive(emptyReplica(), toEvents(history), FULL),
    );
    fc.assert(
      fc.property(replicaArb, replicaArb, replicaArb, (a, b, c) => {
        expect(snapshot(mergeReplicas(a, b))).toEqual(snapshot(mergeReplicas(b, a)));
        expect(snapshot(mergeReplicas(mergeReplicas(a, b), c))).toEqual(
          snapshot(mergeReplicas(a, mergeReplicas(b, c))),
        );
        expect(snapshot(mergeReplicas(a, a))).toEqual(snapshot(a));
      }),
      { numRuns: 300 },
    );
  });

  it("merging two replicas equals one replica that received both event sets", () => {
    fc.assert(
      fc.property(historyArb, historyArb, (h1, h2) => {
        const e1 = toEvents(h1);
        const e2 = toEvents(h2);
        const merged = mergeReplicas(
          receive(emptyReplica(), e1, FULL),
          receive(emptyReplica(), e2, FULL),
        );
        expect(snapshot(merged)).toEqual(snapshot(receive(emptyReplica(), [...e2, ...e1], FULL)));
      }),
      { numRuns: 300 },
    );
  });
});
