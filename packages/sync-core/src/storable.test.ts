import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseEvent } from "./event.js";
import { fieldErrors } from "./problem.js";
import {
  EARLIEST_TIME_MS,
  isStorableText,
  isStorableTime,
  LATEST_TIME_MS,
  storableText,
  storableTime,
  UNSTORABLE_TEXT,
  unstorableText,
} from "./storable.js";

describe("storable text", () => {
  it("refuses NUL and unpaired surrogates, keeps everything else (pairs too)", () => {
    for (const bad of ["a\u0000b", "\u0000", "x\ud800", "\udc00y", "\ud800\ud800", "a\udfffb"])
      expect(isStorableText(bad)).toBe(false);
    for (const good of ["", "plain", "emoji 🧠", "\ud83e\udde0", "tab\there", "\u0001\u007f\uffff"])
      expect(isStorableText(good)).toBe(true);
  });

  it("agrees with UTF-8: a string survives encode/decode exactly when it has no lone surrogate", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
        const roundTrips = new TextDecoder().decode(new TextEncoder().encode(text)) === text;
        expect(isStorableText(text)).toBe(roundTrips && !text.includes("\u0000"));
      }),
      { numRuns: 500 },
    );
  });

  it("as a zod rule, names the field at fault", () => {
    const schema = z.object({ tags: z.array(storableText(z.string().max(5))) });
    const result = schema.safeParse({ tags: ["ok", "b\u0000"] });
    expect(result.success).toBe(false);
    if (!result.success)
      expect(fieldErrors(result.error)).toEqual([{ field: "tags[1]", message: UNSTORABLE_TEXT }]);
  });

  it("finds every bad string and key with its path, however deep the value", () => {
    expect(
      unstorableText({ a: ["ok", "x\u0000"], "k\ud800": 1, b: { c: "\udc00" } }).map((i) => i.path),
    ).toEqual([["a", 1], ["k\ud800"], ["b", "c"]]);
    let deep: unknown = "\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableText(deep)).toHaveLength(1);
    expect(unstorableText(Array.from({ length: 1000 }, () => "\u0000"))).toHaveLength(20);
  });

  it("an event whose payload the store cannot hold is refused, naming the field", () => {
    const event = {
      v: 1,
      id: "0190f5c8-0000-7000-8000-000000000001",
      action: "memory.created",
      entity_type: "memory",
      entity_id: "m1",
      namespace: "ns",
      origin: "region-a",
      hlc: "000000000001000:00000:region-a",
      privacy: 1,
      created_at: "2026-01-01T00:00:00.000Z",
      payload: { text: "a\u0000b", symbolic_anchors: ["ok", "\ud800"] },
    };
    const parsed = parseEvent(event);
    expect(parsed.success).toBe(false);
    if (!parsed.success)
      expect(parsed.errors.map((e) => e.field)).toEqual([
        "payload.text",
        "payload.symbolic_anchors[1]",
      ]);
    expect(parseEvent({ ...event, payload: { text: "ab" } }).success).toBe(true);
    expect(parseEvent({ ...event, entity_id: "m\u0000" }).success).toBe(false);
  });
});

describe("storable time", () => {
  it("is years 0001 to 9999 in UTC", () => {
    expect(new Date(EARLIEST_TIME_MS).toISOString()).toBe("0001-01-01T00:00:00.000Z");
    expect(new Date(LATEST_TIME_MS).toISOString()).toBe("9999-12-31T23:59:59.999Z");
    expect(isStorableTime(Number.NaN)).toBe(false);
    expect(isStorableTime(EARLIEST_TIME_MS - 1)).toBe(false);
    expect(isStorableTime(LATEST_TIME_MS + 1)).toBe(false);
  });

  it("refuses year 0000, offsets that leave the range, and non-dates; keeps the rest", () => {
    for (const bad of [
      "0000-01-01T00:00:00Z",
      "0001-01-01T00:30:00+01:00",
      "9999-12-31T23:30:00-01:00",
      "2026-02-30T00:00:00Z",
      "not a date",
    ])
      expect(storableTime.safeParse(bad).success, bad).toBe(false);
    for (const good of [
      "0001-01-01T00:00:00Z",
      "9999-12-31T23:59:59.999Z",
      "2026-03-01T10:00:00+02:00",
    ])
      expect(storableTime.safeParse(good).success, good).toBe(true);
  });

  it("every time it accepts reads back as the same instant in a 4-digit-year ISO string", () => {
    fc.assert(
      fc.property(fc.integer({ min: EARLIEST_TIME_MS, max: LATEST_TIME_MS }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(storableTime.safeParse(iso).success).toBe(true);
        expect(iso).toMatch(/^\d{4}-/);
        expect(Date.parse(iso)).toBe(ms);
      }),
      { numRuns: 500 },
    );
  });
});
