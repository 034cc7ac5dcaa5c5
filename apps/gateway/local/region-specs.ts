/**
 * Dev/test only: the regions a local topology can start, as data. Every place is a real
 * cloud region's coordinates, so the router's nearest-region choice reads like production.
 */

export type Continent = "AF" | "AN" | "AS" | "EU" | "NA" | "OC" | "SA";
export type RegionRole = "writer" | "reader";
export interface Band {
  floor: number;
  ceiling: number;
}

export interface RegionSpec {
  /** `region-a`: also the store schema's stem (`store_a_<topology id>`). */
  id: string;
  /** @default the first region of the list is the writer, every other a reader */
  role?: RegionRole;
  /** The region's sync band (`sync.privacy_floor/ceiling`, and its row in the region table). @default -15..15 */
  band?: Band;
  /** `memory.team_spaces`. @default ["*"] */
  teamSpaces?: string[];
  place: { lat: number; lon: number; continent: Continent };
  /** @default a free loopback port */
  port?: number;
  /** Vars for this region only (e.g. its own transport endpoint, for a drill that cuts it off). */
  vars?: Record<string, string>;
}

/** A spec with every default filled in, as the topology started it. */
export interface StartedRegionSpec extends RegionSpec {
  role: RegionRole;
  band: Band;
  teamSpaces: string[];
  port: number;
}

export const FULL_BAND: Band = { floor: -15, ceiling: 15 };

const ASHBURN = { lat: 39.04, lon: -77.49, continent: "NA" } as const;
const DUBLIN = { lat: 53.35, lon: -6.26, continent: "EU" } as const;

/** The pair most tests use: region-a writes (full band) near New York, region-b reads 0..12 in Dublin. */
export const TWO_REGIONS: readonly RegionSpec[] = [
  { id: "region-a", role: "writer", band: FULL_BAND, place: ASHBURN },
  { id: "region-b", role: "reader", band: { floor: 0, ceiling: 12 }, place: DUBLIN },
];

/** Six regions on six continents, each band different, for `pnpm start --regions N` and the N-region tests. */
export const DEMO_REGIONS: readonly RegionSpec[] = [
  ...TWO_REGIONS,
  {
    id: "region-c",
    role: "reader",
    band: { floor: -5, ceiling: 15 },
    place: { lat: 1.35, lon: 103.82, continent: "AS" },
  },
  {
    id: "region-d",
    role: "reader",
    band: { floor: -10, ceiling: 10 },
    place: { lat: -23.55, lon: -46.63, continent: "SA" },
  },
  {
    id: "region-e",
    role: "reader",
    band: { floor: -3, ceiling: 8 },
    place: { lat: -26.2, lon: 28.05, continent: "AF" },
  },
  {
    id: "region-f",
    role: "reader",
    // Down to 1: `memoria smoke` writes its marker at y = 1 and expects every region to hold it.
    band: { floor: 1, ceiling: 15 },
    place: { lat: -33.87, lon: 151.21, continent: "OC" },
  },
];

/** The first `n` demo regions (2 to 6: a topology needs a peer, and there are six places). */
export function demoRegions(n: number): RegionSpec[] {
  if (!Number.isInteger(n) || n < 2 || n > DEMO_REGIONS.length)
    throw new RangeError(`a demo topology has 2 to ${DEMO_REGIONS.length} regions: ${n}`);
  return DEMO_REGIONS.slice(0, n);
}

/**
 * `base` with some regions changed (their fields replaced, `vars` merged): how a test gives
 * one region its own transport endpoint or band, e.g.
 * `regionsWith({ "region-b": { band: { floor: -5, ceiling: 15 } } })`.
 */
export function regionsWith(
  changes: Record<string, Partial<Omit<RegionSpec, "id">>>,
  base: readonly RegionSpec[] = TWO_REGIONS,
): RegionSpec[] {
  for (const id of Object.keys(changes))
    if (!base.some((spec) => spec.id === id)) throw new RangeError(`no region ${id} to change`);
  return base.map((spec) => {
    const change = changes[spec.id];
    return change === undefined
      ? spec
      : { ...spec, ...change, vars: { ...spec.vars, ...change.vars } };
  });
}
