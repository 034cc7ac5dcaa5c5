import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { syncSchema } from "./config/schema.js";
import { decideReplication, FULL_BAND, inBand, type PrivacyBand } from "./privacy.js";

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

describe("decideReplication", () => {
  const band = { floor: 0, ceiling: 12 };

  it("treats both bounds as inside", () => {
    expect(decideReplication(band, undefined, 0)).toBe("replicate");
    expect(decideReplication(band, undefined, 12)).toBe("replicate");
    expect(decideReplication(band, undefined, 12.5)).toBe("skip");
    expect(decideReplication(band, undefined, -0.1)).toBe("skip");
  });

  it("treats a missing y as private", () => {
    expect(decideReplication(FULL_BAND, undefined, null)).toBe("skip");
    expect(decideReplication(FULL_BAND, undefined, undefined)).toBe("skip");
    expect(decideReplication(FULL_BAND, 3, null)).toBe("redact");
  });

  it("redacts a record that leaves the band (public → private)", () => {
    expect(decideReplication(band, 5, -12)).toBe("redact");
    expect(decideReplication(band, -12, -11)).toBe("skip");
    expect(decideReplication(band, -12, 5)).toBe("replicate");
  });

  it("never replicates a y outside the band, and redacts exactly when the old y was inside", () => {
    fc.assert(
      fc.property(bandArb, yArb, yArb, (b, oldY, newY) => {
        const decision = decideReplication(b, oldY, newY);
        const newInside = typeof newY === "number" && newY >= b.floor && newY <= b.ceiling;
        const oldInside = typeof oldY === "number" && oldY >= b.floor && oldY <= b.ceiling;
        if (decision === "replicate") expect(newInside).toBe(true);
        else expect(newInside).toBe(false);
        if (decision === "redact") expect(oldInside).toBe(true);
        if (decision === "skip") expect(oldInside).toBe(false);
        expect(inBand(b, newY)).toBe(newInside);
      }),
      { numRuns: 2_000 },
    );
  });
});
