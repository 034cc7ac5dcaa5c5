import { describe, expect, it } from "vitest";
import { SPARK_HEIGHT, SPARK_WIDTH, sparkCoordinates, sparkline } from "./sparkline.js";

describe("the sync-rate sparkline", () => {
  it("spreads points over time, zero at the bottom and the maximum at the top", () => {
    const xy = sparkCoordinates([
      { t: 0, value: 0 },
      { t: 1_000, value: 10 },
      { t: 3_000, value: 5 },
    ]);
    expect(xy[0]?.x).toBeLessThan(xy[1]?.x ?? 0);
    // Time, not index: the third point is twice as far from the second as the second from the first.
    expect((xy[2]?.x ?? 0) - (xy[1]?.x ?? 0)).toBeCloseTo(
      2 * ((xy[1]?.x ?? 0) - (xy[0]?.x ?? 0)),
      6,
    );
    expect(xy[1]?.y).toBeLessThan(xy[2]?.y ?? 0);
    expect(xy[0]?.y).toBeGreaterThan(xy[2]?.y ?? 0);
    for (const p of xy) {
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.x).toBeLessThanOrEqual(SPARK_WIDTH);
      expect(p.y).toBeGreaterThanOrEqual(0);
      expect(p.y).toBeLessThanOrEqual(SPARK_HEIGHT);
    }
  });

  it("draws a flat line for an idle region, a dot for one point, a frame for none", () => {
    const idle = sparkCoordinates([
      { t: 0, value: 0 },
      { t: 5_000, value: 0 },
    ]);
    expect(idle[0]?.y).toBe(idle[1]?.y);
    expect(sparkline([{ t: 0, value: 3 }], "one")).toContain('class="spark-dot"');
    const empty = sparkline([], "none");
    expect(empty).toContain('class="spark-base"');
    expect(empty).not.toContain("spark-line");
  });

  it("escapes its label and writes only numbers into paths", () => {
    const svg = sparkline(
      [
        { t: 0, value: Number.NaN },
        { t: 1, value: 2 },
      ],
      '"><script>',
    );
    expect(svg).toContain('aria-label="&quot;&gt;&lt;script&gt;"');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});
