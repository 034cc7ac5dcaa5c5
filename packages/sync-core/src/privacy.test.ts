import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { syncSchema } from "./config/schema.js";
import { FULL_BAND, inBand, type PrivacyBand } from "./privacy.js";

const bandArb = fc
  .tuple(fc.integer({ min: -15, max: 15 }), fc.integer({ min: -15, max: 15 }))
  .map(([a, b]): PrivacyBand => ({ floor: Math.min(a, b), ceiling: Math.max(a, b) }));
/** Any y an event might carry, including garbage. */
const yArb = fc.oneof(
  fc.double({ min: -30, max: 30, noNaN: false }),
  fc.integer({ min: -16, max: 16 }),
  fc.constant(null),
  fc.constant(undefined),
);

/** The band's one check is the config schema's (`sync.privacy_floor` / `sync.privacy_ceiling`). */
describe("a band from config", () => {
  const band = (input: Record<string, unknown>) => {
    const parsed = syncSchema.safeParse(input);
    return parsed.success
      ? {
          success: true,
          band: { floor: parsed.data.privacy_floor, ceiling: parsed.data.privacy_ceiling },
        }
      : {
          success: false,
          errors: parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })),
        };
  };

  it("accepts inclusive bounds inside -15..15", () => {
    expect(band({ privacy_floor: 0, privacy_ceiling: 12 })).toEqual({
      success: true,
      band: { floor: 0, ceiling: 12 },
    });
    expect(band({ privacy_floor: -15, privacy_ceiling: 15 }).success).toBe(true);
  });

  it("names each bad bound", () => {
    expect(band({ privacy_floor: -40, privacy_ceiling: "x" })).toEqual({
      success: false,
      errors: [
        { field: "privacy_floor", message: "must be between -15 and 15" },
        { field: "privacy_ceiling", message: "must be a number" },
      ],
    });
    expect(band({ privacy_floor: 5, privacy_ceiling: 0 })).toEqual({
      success: false,
      errors: [{ field: "privacy_ceiling", message: "must be >= sync.privacy_floor (5)" }],
    });
  });
});

describe("inBand at the bounds", () => {
  const band = { floor: 0, ceiling: 12 };

  it("treats both bounds as inside and a missing y as private", () => {
    expect(inBand(band, 0)).toBe(true);
    expect(inBand(band, 12)).toBe(true);
    expect(inBand(band, 12.5)).toBe(false);
    expect(inBand(band, -0.1)).toBe(false);
    expect(inBand(FULL_BAND, null)).toBe(false);
    expect(inBand(FULL_BAND, undefined)).toBe(false);
  });

  it("is exactly floor <= y <= ceiling for any finite y on the axis", () => {
    fc.assert(
      fc.property(bandArb, yArb, (b, y) => {
        const inside = typeof y === "number" && y >= b.floor && y <= b.ceiling;
        expect(inBand(b, y)).toBe(inside);
      }),
      { numRuns: 2_000 },
    );
  });
});
