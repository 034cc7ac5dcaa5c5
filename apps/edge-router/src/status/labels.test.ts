import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Box, leaderEnd, overlaps, placeLabels } from "./labels.js";

const BOUNDS = { width: 1000, height: 400 };

describe("placing the map's labels", () => {
  it("puts a lone label level with its marker, on the side with room, without a leader line", () => {
    const [left] = placeLabels([{ x: 100, y: 200, radius: 13, width: 120, height: 34 }], BOUNDS);
    expect(left).toMatchObject({ anchor: "start", leader: false });
    expect(left?.box.y0).toBe(200 - 17);
    const [right] = placeLabels([{ x: 980, y: 200, radius: 13, width: 120, height: 34 }], BOUNDS);
    expect(right).toMatchObject({ anchor: "end", leader: false });
    expect(right?.box.x1).toBeLessThan(980);
  });

  it("property: up to six markers anywhere apart keep every label inside, off other labels and markers", () => {
    const marker = fc.record({
      x: fc.integer({ min: 0, max: 1000 }),
      y: fc.integer({ min: 0, max: 400 }),
      radius: fc.constantFrom(13, 17),
      width: fc.integer({ min: 60, max: 150 }),
    });
    // Markers do not sit on top of each other (two regions in one city would share a dot).
    const apart = fc
      .uniqueArray(marker, {
        minLength: 1,
        maxLength: 6,
        selector: (m) => `${Math.round(m.x / 30)},${Math.round(m.y / 30)}`,
      })
      .filter((ms) =>
        ms.every((a, i) => ms.every((b, j) => i === j || Math.hypot(a.x - b.x, a.y - b.y) >= 30)),
      );
    fc.assert(
      fc.property(apart, (markers) => {
        const requests = markers.map((m) => ({ ...m, height: 34 }));
        const placed = placeLabels(requests, BOUNDS);
        const dots: Box[] = requests.map((m) => ({
          x0: m.x - 6,
          y0: m.y - 6,
          x1: m.x + 6,
          y1: m.y + 6,
        }));
        placed.forEach((p, i) => {
          expect(p.box.x0).toBeGreaterThanOrEqual(0);
          expect(p.box.y0).toBeGreaterThanOrEqual(0);
          expect(p.box.x1).toBeLessThanOrEqual(BOUNDS.width);
          expect(p.box.y1).toBeLessThanOrEqual(BOUNDS.height);
          placed.forEach((q, j) => {
            if (i !== j) expect(overlaps(p.box, q.box)).toBe(false);
          });
          for (const dot of dots) expect(overlaps(p.box, dot)).toBe(false);
        });
      }),
      { numRuns: 300 },
    );
  });

  it("draws a leader line to the nearest point of a label set off from its marker", () => {
    expect(leaderEnd(0, 0, { x0: 10, y0: -5, x1: 50, y1: 5 })).toEqual({ x: 10, y: 0 });
    expect(leaderEnd(30, 40, { x0: 10, y0: -5, x1: 50, y1: 5 })).toEqual({ x: 30, y: 5 });
  });
});
