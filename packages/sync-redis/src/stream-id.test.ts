import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareStreamIds, isStreamId, streamIdMs } from "./stream-id.js";

describe("stream ids", () => {
  it("reads the millisecond part", () => {
    expect(streamIdMs("1732212345678-0")).toBe(1732212345678);
    expect(streamIdMs("0-0")).toBe(0);
    expect(() => streamIdMs("1732212345678")).toThrow(TypeError);
  });

  it("recognises only <ms>-<seq>", () => {
    expect(isStreamId("1-2")).toBe(true);
    for (const bad of ["", "1", "-1-0", "1-", "a-0", "(1-0", "1-0 "])
      expect(isStreamId(bad)).toBe(false);
  });

  it("orders numerically, as Redis does, not as text", () => {
    expect(compareStreamIds("9-0", "10-0")).toBe(-1);
    expect(compareStreamIds("10-2", "10-10")).toBe(-1);
    expect(compareStreamIds("10-10", "10-10")).toBe(0);
    // Past 2^53 too: ids are two unsigned 64-bit numbers.
    expect(compareStreamIds("18446744073709551615-0", "18446744073709551614-9")).toBe(1);
  });

  it("agrees with (ms, seq) order", () => {
    const id = fc.tuple(fc.nat(), fc.nat());
    fc.assert(
      fc.property(id, id, ([am, as], [bm, bs]) => {
        const expected = am !== bm ? Math.sign(am - bm) : Math.sign(as - bs);
        expect(compareStreamIds(`${am}-${as}`, `${bm}-${bs}`)).toBe(expected);
      }),
    );
  });
});
