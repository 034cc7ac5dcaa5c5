import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { distanceKm, placeOf, rankRegions } from "./geo.js";

const regions = [
  { id: "us-east", lat: 39.04, lon: -77.49, continent: "NA" },
  { id: "eu-west", lat: 53.35, lon: -6.26, continent: "EU" },
  { id: "ap-south", lat: 19.08, lon: 72.88, continent: "AS" },
  { id: "ap-southeast", lat: -33.87, lon: 151.21, continent: "OC" },
];
const ids = (list: typeof regions) => list.map((r) => r.id);

describe("nearest region", () => {
  it("sends clients to the closest region by great-circle distance", () => {
    expect(rankRegions(regions, { latitude: 40.71, longitude: -74.0 })[0]?.id).toBe("us-east"); // New York
    expect(rankRegions(regions, { latitude: 48.86, longitude: 2.35 })[0]?.id).toBe("eu-west"); // Paris
    expect(rankRegions(regions, { latitude: 28.61, longitude: 77.21 })[0]?.id).toBe("ap-south"); // Delhi
    expect(rankRegions(regions, { latitude: -36.85, longitude: 174.76 })[0]?.id).toBe(
      "ap-southeast",
    ); // Auckland
    expect(rankRegions(regions, { latitude: -23.55, longitude: -46.63 })[0]?.id).toBe("us-east"); // São Paulo
    expect(ids(rankRegions(regions, { latitude: 51.5, longitude: -0.13 }))).toEqual([
      "eu-west",
      "us-east",
      "ap-south",
      "ap-southeast",
    ]); // London
  });

  it("measures across the antimeridian", () => {
    expect(distanceKm({ lat: 0, lon: 179 }, { lat: 0, lon: -179 })).toBeLessThan(300);
    expect(distanceKm({ lat: 51.5, lon: -0.13 }, { lat: 40.71, lon: -74.0 })).toBeCloseTo(5570, -2);
  });

  it("falls back to the continent, then to the configured order", () => {
    expect(rankRegions(regions, { continent: "EU" })[0]?.id).toBe("eu-west");
    expect(ids(rankRegions(regions, { continent: "AF" }))).toEqual(ids(regions));
    expect(ids(rankRegions(regions, {}))).toEqual(ids(regions));
  });

  it("reads coordinates Cloudflare sends as strings and ignores garbage", () => {
    expect(placeOf({ latitude: "48.86", longitude: "2.35", continent: "EU" })).toEqual({
      latitude: 48.86,
      longitude: 2.35,
      continent: "EU",
    });
    expect(placeOf({ latitude: "north", longitude: null })).toEqual({});
    expect(placeOf(undefined)).toEqual({});
  });

  it("always returns every region exactly once, nearest first", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        (latitude, longitude) => {
          const ranked = rankRegions(regions, { latitude, longitude });
          expect([...ids(ranked)].sort()).toEqual([...ids(regions)].sort());
          const d = ranked.map((r) => distanceKm({ lat: latitude, lon: longitude }, r));
          for (let i = 1; i < d.length; i++)
            expect(d[i] as number).toBeGreaterThanOrEqual(d[i - 1] as number);
        },
      ),
    );
  });
});
