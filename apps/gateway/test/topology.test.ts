import { syncHealthSchema } from "@memoria/sync-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_REGIONS, demoRegions, regionsWith, TWO_REGIONS } from "../local/topology.js";
import { call, type Regions, startRegions } from "./harness.js";

/**
 * The local topology every test, `pnpm start` and the benchmarks start: the region specs
 * as data, and N regions whose own config agrees with the region table they all share
 * (a region refuses to start otherwise), each with a transit key its peers seal for.
 */

describe("region specs", () => {
  it("the demo regions: six ids in order, six continents, six bands, one writer", () => {
    expect(DEMO_REGIONS.map((spec) => spec.id)).toEqual(
      ["a", "b", "c", "d", "e", "f"].map((letter) => `region-${letter}`),
    );
    expect(new Set(DEMO_REGIONS.map((spec) => spec.place.continent)).size).toBe(6);
    expect(new Set(DEMO_REGIONS.map((spec) => JSON.stringify(spec.band))).size).toBe(6);
    expect(DEMO_REGIONS.filter((spec) => spec.role === "writer").map((spec) => spec.id)).toEqual([
      "region-a",
    ]);
    expect(DEMO_REGIONS.slice(0, 2)).toEqual(TWO_REGIONS);
  });

  it("demoRegions(n) is the first n, for 2 to 6", () => {
    for (const n of [2, 3, 4, 5, 6]) expect(demoRegions(n)).toEqual(DEMO_REGIONS.slice(0, n));
    for (const n of [0, 1, 7, 2.5]) expect(() => demoRegions(n)).toThrow(/2 to 6/);
  });

  it("regionsWith changes the named regions only, merging vars, and refuses unknown ids", () => {
    const base = regionsWith({ "region-a": { vars: { X: "1" } } });
    const changed = regionsWith(
      { "region-a": { vars: { Y: "2" } }, "region-b": { band: { floor: -5, ceiling: 15 } } },
      base,
    );
    expect(changed[0]).toMatchObject({ id: "region-a", vars: { X: "1", Y: "2" } });
    expect(changed[1]).toMatchObject({ id: "region-b", band: { floor: -5, ceiling: 15 } });
    expect(() => regionsWith({ "region-z": { vars: {} } })).toThrow(/region-z/);
  });
});

describe("three regions of the demo", () => {
  let topology: Regions;
  beforeAll(async () => {
    topology = await startRegions({ backend: "redis", regions: demoRegions(3) });
  });
  afterAll(async () => {
    await topology?.stop();
  });

  it("every region lists every region, and reports the band, spaces and key its row gives", async () => {
    expect(topology.regions.map((region) => region.id)).toEqual([
      "region-a",
      "region-b",
      "region-c",
    ]);
    expect(topology.regionTable.map((row) => [row.id, row.role])).toEqual([
      ["region-a", "writer"],
      ["region-b", "reader"],
      ["region-c", "reader"],
    ]);
    for (const row of topology.regionTable) {
      const region = topology.region(row.id);
      expect(row.url).toBe(region.url);
      expect(JSON.parse(region.vars.MEMORIA_REGIONS as string)).toEqual(topology.regionTable);
      const body = (await (await call(region, "/health/sync")).json()) as {
        transit?: { key?: string };
        team_spaces?: string[];
      };
      expect(body.team_spaces).toEqual(row.team_spaces);
      // Its own current key is the one the table gives peers to seal for.
      expect(body.transit?.key).toBe(row.transit_key);
      const health = syncHealthSchema.parse(body);
      expect(health).toMatchObject({
        region: row.id,
        role: row.role,
        band: { floor: row.privacy_floor, ceiling: row.privacy_ceiling },
      });
      expect(health.config_warnings).toEqual([]);
      expect(row.transit_key).toBe(topology.transitKeys[row.id]?.publicKey);
    }
    expect(() => topology.region("region-z")).toThrow(/no region region-z/);
  });
});
