import { describe, expect, it } from "vitest";
import {
  LANDMASS_NAMES,
  lakesPath,
  MAP_LAT_BOTTOM,
  MAP_LAT_TOP,
  project,
  worldPath,
} from "./world.js";

describe("project", () => {
  it("maps the corners and the centre meridian", () => {
    expect(project(MAP_LAT_TOP, -180, 1000, 400)).toEqual({ x: 0, y: 0 });
    expect(project(MAP_LAT_BOTTOM, 180, 1000, 400)).toEqual({ x: 1000, y: 400 });
    expect(project(0, 0, 1000, 400).x).toBe(500);
    const equator = ((MAP_LAT_TOP - 0) / (MAP_LAT_TOP - MAP_LAT_BOTTOM)) * 400;
    expect(project(0, 0, 1000, 400).y).toBeCloseTo(equator, 6);
  });

  it("is linear in longitude and latitude (equirectangular)", () => {
    const a = project(10, 10, 720, 288);
    const b = project(20, 20, 720, 288);
    const c = project(30, 30, 720, 288);
    expect(b.x - a.x).toBeCloseTo(c.x - b.x, 9);
    expect(b.y - a.y).toBeCloseTo(c.y - b.y, 9);
    expect(b.x - a.x).toBeCloseTo(20, 9); // 720 px for 360°
  });

  it("clamps latitudes beyond the map", () => {
    expect(project(90, 0, 1000, 400).y).toBe(0);
    expect(project(-89, 0, 1000, 400).y).toBe(400);
  });
});

describe("worldPath", () => {
  const d = worldPath(1000, 400);

  it("draws every continent as a closed ring", () => {
    for (const name of ["northAmerica", "southAmerica", "eurasia", "africa", "australia"]) {
      expect(LANDMASS_NAMES).toContain(name);
    }
    expect(d.match(/M/g)).toHaveLength(LANDMASS_NAMES.length);
    expect(d.match(/Z/g)).toHaveLength(LANDMASS_NAMES.length);
  });

  it("stays inside the map and small enough to inline", () => {
    const numbers = (d + lakesPath(1000, 400)).match(/-?[\d.]+/g)?.map(Number) ?? [];
    expect(numbers.length).toBeGreaterThan(500);
    for (let i = 0; i + 1 < numbers.length; i += 2) {
      expect(numbers[i]).toBeGreaterThanOrEqual(0);
      expect(numbers[i]).toBeLessThanOrEqual(1000);
      expect(numbers[i + 1]).toBeGreaterThanOrEqual(0);
      expect(numbers[i + 1]).toBeLessThanOrEqual(400);
    }
    expect(d.length).toBeLessThan(15_000);
  });

  it("puts the landmarks where they belong", () => {
    // Rough bounding boxes of each ring, in degrees, recovered from the path.
    const rings = d.split("Z").filter((r) => r !== "");
    const boxes = rings.map((ring) => {
      const nums = ring.match(/-?[\d.]+/g)?.map(Number) ?? [];
      const xs = nums.filter((_, i) => i % 2 === 0).map((x) => (x / 1000) * 360 - 180);
      const ys = nums
        .filter((_, i) => i % 2 === 1)
        .map((y) => MAP_LAT_TOP - (y / 400) * (MAP_LAT_TOP - MAP_LAT_BOTTOM));
      return { w: Math.min(...xs), e: Math.max(...xs), s: Math.min(...ys), n: Math.max(...ys) };
    });
    const box = (name: string) => boxes[LANDMASS_NAMES.indexOf(name)];
    expect(box("africa")).toMatchObject({ w: expect.closeTo(-17, 0), e: expect.closeTo(51, 0) });
    expect(box("africa")?.s).toBeCloseTo(-35, 0);
    expect(box("australia")?.w).toBeGreaterThan(110);
    expect(box("southAmerica")?.s).toBeLessThan(-54);
    expect(box("northAmerica")?.n).toBeGreaterThan(70);
  });
});
