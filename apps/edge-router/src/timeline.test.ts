import { describe, expect, it } from "vitest";
import {
  EMPTY_TIMELINE,
  healthEvents,
  record,
  type TimelineEntry,
  timelineEntrySchema,
  writerEvents,
} from "./timeline.js";

const AT = "2026-05-04T14:32:10.000Z";

describe("writer changes and promotions seen in probes", () => {
  it("records nothing on the first probes: the writer is only learned", () => {
    expect(writerEvents(null, { id: "region-a", token: 4 }, AT)).toEqual([]);
  });

  it("a writer that moves to a region with a newer lease: a writer change and a promotion", () => {
    expect(writerEvents({ id: "region-a", token: 1 }, { id: "region-b", token: 2 }, AT)).toEqual([
      { kind: "writer-change", at: AT, from: "region-a", to: "region-b", token: 2 },
      { kind: "promotion", at: AT, region: "region-b", token: 2, via: "probe" },
    ]);
  });

  it("the same writer promoted again (its token rose): a promotion, no writer change", () => {
    expect(writerEvents({ id: "region-a", token: 1 }, { id: "region-a", token: 3 }, AT)).toEqual([
      { kind: "promotion", at: AT, region: "region-a", token: 3, via: "probe" },
    ]);
  });

  it("the configured writer claiming its free role is no promotion; a seize by another is", () => {
    expect(writerEvents({ id: "region-a", token: null }, { id: "region-a", token: 1 }, AT)).toEqual(
      [],
    );
    expect(writerEvents({ id: "region-a", token: null }, { id: "region-b", token: 1 }, AT)).toEqual(
      [
        { kind: "writer-change", at: AT, from: "region-a", to: "region-b", token: 1 },
        { kind: "promotion", at: AT, region: "region-b", token: 1, via: "probe" },
      ],
    );
  });

  it("no writer for a moment (probes straddling a promotion) records nothing", () => {
    expect(writerEvents({ id: "region-a", token: 1 }, { id: null, token: null }, AT)).toEqual([]);
  });

  it("a lease that lapsed back to the configured writer is a writer change without a promotion", () => {
    expect(writerEvents({ id: "region-b", token: 2 }, { id: "region-a", token: null }, AT)).toEqual(
      [{ kind: "writer-change", at: AT, from: "region-b", to: "region-a", token: null }],
    );
    expect(writerEvents({ id: "region-a", token: 2 }, { id: "region-a", token: 2 }, AT)).toEqual(
      [],
    );
  });
});

describe("health changes", () => {
  it("records a region becoming unhealthy with its error, and recovering", () => {
    expect(
      healthEvents(
        "region-c",
        { healthy: true },
        { healthy: false, lastError: "probe failed: refused" },
        AT,
      ),
    ).toEqual([
      {
        kind: "health",
        at: AT,
        region: "region-c",
        healthy: false,
        error: "probe failed: refused",
      },
    ]);
    expect(
      healthEvents("region-c", { healthy: false }, { healthy: true, lastError: null }, AT),
    ).toEqual([{ kind: "health", at: AT, region: "region-c", healthy: true, error: null }]);
    expect(
      healthEvents("region-c", { healthy: true }, { healthy: true, lastError: null }, AT),
    ).toEqual([]);
  });
});

describe("the bounded timeline", () => {
  const health = (i: number): TimelineEntry => ({
    kind: "health",
    at: AT,
    region: `r${i}`,
    healthy: i % 2 === 0,
    error: null,
  });

  it("keeps the newest entries first and counts those it no longer keeps", () => {
    let timeline = EMPTY_TIMELINE;
    for (let i = 0; i < 7; i++) timeline = record(timeline, [health(i)], 5);
    expect(timeline.entries.map((e) => (e as { region: string }).region)).toEqual([
      "r6",
      "r5",
      "r4",
      "r3",
      "r2",
    ]);
    expect(timeline.dropped).toBe(2);
    // Entries of one change are given oldest first and end up newest first.
    const both = record(EMPTY_TIMELINE, [health(1), health(2)]);
    expect(both.entries.map((e) => (e as { region: string }).region)).toEqual(["r2", "r1"]);
  });

  it("records one promotion per lease grant: the router's own record wins over the probe's", () => {
    const viaProbe = {
      kind: "promotion",
      at: AT,
      region: "region-b",
      token: 5,
      via: "probe",
    } as const;
    const viaRouter = { ...viaProbe, via: "router" } as const;
    const seenFirst = record(record(EMPTY_TIMELINE, [viaProbe]), [viaRouter]);
    expect(seenFirst.entries).toEqual([viaRouter]);
    const proxiedFirst = record(record(EMPTY_TIMELINE, [viaRouter]), [viaProbe]);
    expect(proxiedFirst.entries).toEqual([viaRouter]);
    const unknownToken = { ...viaRouter, token: null };
    expect(record(record(EMPTY_TIMELINE, [unknownToken]), [unknownToken]).entries).toHaveLength(2);
  });

  it("every entry kind is described by the schema /status JSON uses", () => {
    const entries: TimelineEntry[] = [
      ...writerEvents({ id: "a", token: 1 }, { id: "b", token: 2 }, AT),
      ...healthEvents("a", { healthy: true }, { healthy: false, lastError: "x" }, AT),
      {
        kind: "failover",
        at: AT,
        from: "a",
        to: "b",
        method: "GET",
        path: "/memory",
        reason: "a: HTTP 503",
      },
    ];
    for (const entry of entries) expect(timelineEntrySchema.parse(entry)).toEqual(entry);
  });
});
