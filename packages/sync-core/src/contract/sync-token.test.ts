import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatHlc } from "../hlc.js";
import { ProblemError } from "../problem.js";
import { SYNC_TOKEN_HEADER } from "./headers.js";
import { formatSyncToken, hasApplied, parseSyncToken, readSyncToken } from "./sync-token.js";

const hlc = (wall: number, counter: number, node: string) => formatHlc({ wall, counter, node });
const region = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);

describe("sync token", () => {
  it("round-trips any write's HLC, naming its origin", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 47 }),
        fc.integer({ min: 0, max: 99_999 }),
        region,
        (wall, counter, node) => {
          const token = formatSyncToken(hlc(wall, counter, node));
          expect(parseSyncToken(token)).toEqual({ hlc: token, origin: node });
        },
      ),
    );
  });

  it("refuses to format what is not an HLC", () => {
    expect(() => formatSyncToken("yesterday")).toThrow(RangeError);
  });

  it("answers a bad token from a client with a 400 naming the header", () => {
    for (const bad of ["yesterday", "", "1:2:region-a", `${hlc(1, 0, "a")} `]) {
      let caught: unknown;
      try {
        parseSyncToken(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ProblemError);
      expect((caught as ProblemError).problem).toMatchObject({
        status: 400,
        errors: [{ field: "Memoria-Sync-Token", message: "must be wallMs:counter:region" }],
      });
    }
  });

  it("answers a token from a region the deployment does not have with a 400, not a retry", () => {
    const token = hlc(1_000, 0, "region-z");
    expect(parseSyncToken(token)).toEqual({ hlc: token, origin: "region-z" });
    expect(() => parseSyncToken(token, ["region-a", "region-b"])).toThrow(ProblemError);
    try {
      readSyncToken(new Headers({ [SYNC_TOKEN_HEADER]: token }), ["region-a", "region-b"]);
    } catch (error) {
      expect((error as ProblemError).problem).toMatchObject({
        status: 400,
        errors: [{ field: "Memoria-Sync-Token" }],
      });
    }
    expect(parseSyncToken(hlc(1_000, 0, "region-b"), ["region-a", "region-b"]).origin).toBe(
      "region-b",
    );
  });

  it("reads the header without regard to case, and nothing when absent", () => {
    const token = hlc(1_000, 0, "region-a");
    expect(readSyncToken(new Headers({ "Memoria-Sync-Token": token }))).toEqual({
      hlc: token,
      origin: "region-a",
    });
    expect(readSyncToken(new Headers())).toBeNull();
    expect(() => readSyncToken(new Headers({ [SYNC_TOKEN_HEADER]: "x" }))).toThrow(ProblemError);
  });

  it("counts a write as applied in its origin, and elsewhere once the watermark reaches it", () => {
    const token = parseSyncToken(hlc(2_000, 3, "region-a"));
    expect(hasApplied({ id: "region-a", applied: {} }, token)).toBe(true);
    expect(hasApplied({ id: "region-b", applied: {} }, token)).toBe(false);
    expect(
      hasApplied({ id: "region-b", applied: { "region-a": hlc(2_000, 2, "region-a") } }, token),
    ).toBe(false);
    expect(
      hasApplied({ id: "region-b", applied: { "region-a": hlc(2_000, 3, "region-a") } }, token),
    ).toBe(true);
    expect(
      hasApplied({ id: "region-b", applied: { "region-a": hlc(2_001, 0, "region-a") } }, token),
    ).toBe(true);
    // Another origin's watermark says nothing about this write.
    expect(
      hasApplied({ id: "region-b", applied: { "region-c": hlc(9_999, 0, "region-c") } }, token),
    ).toBe(false);
  });
});
