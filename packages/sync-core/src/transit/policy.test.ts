import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import type { MemoriaConfig } from "../config/schema.js";
import { generateTransitKey, importTransitPublicKey, type TransitPublicKey } from "./keys.js";
import {
  eligibleRecipients,
  type TransitPeer,
  transitPolicyOf,
  transitWarnings,
} from "./policy.js";

const TEAMS = ["alpha", "bravo", "charlie"];
const publicKeys: TransitPublicKey[] = [];

beforeAll(async () => {
  for (let i = 0; i < 4; i++)
    publicKeys.push(await importTransitPublicKey((await generateTransitKey(`k${i}`)).publicKey));
});

/** Half steps: a band and a y may be fractional. */
const half = (min: number, max: number) =>
  fc.integer({ min: min * 2, max: max * 2 }).map((n) => n / 2);
const peers = fc.array(
  fc.record({
    bounds: fc.tuple(half(-15, 15), half(-15, 15)),
    teams: fc.oneof(fc.constant(["*"]), fc.subarray(TEAMS)),
    key: fc.option(fc.nat({ max: 3 }), { nil: undefined }),
  }),
  { maxLength: 6 },
);

describe("eligibleRecipients", () => {
  it("names a peer iff it has a key, its band holds y and it serves the team (property)", () => {
    fc.assert(
      fc.property(
        peers,
        fc.oneof(fc.constant(null), half(-16, 16), fc.constant(Number.NaN)),
        fc.constantFrom(null, undefined, "alpha", "bravo", "delta"),
        (rows, y, team) => {
          const table: TransitPeer[] = rows.map(({ bounds, teams, key }, i) => ({
            region: `region-${i}`,
            band: { floor: Math.min(...bounds), ceiling: Math.max(...bounds) },
            teams,
            ...(key === undefined ? {} : { publicKey: publicKeys[key] as TransitPublicKey }),
          }));
          const expected = table.filter(
            (peer) =>
              peer.publicKey !== undefined &&
              typeof y === "number" &&
              y >= peer.band.floor &&
              y <= peer.band.ceiling &&
              (team === null ||
                team === undefined ||
                peer.teams.includes("*") ||
                peer.teams.includes(team)),
          );
          expect(eligibleRecipients({ mode: "sealed", peers: table }, y, team)).toEqual(
            expected.map((peer) => ({ region: peer.region, publicKey: peer.publicKey })),
          );
        },
      ),
    );
  });
});

const SYNC_ON = {
  MEMORIA_REGION__ID: "region-a",
  MEMORIA_SYNC__ENABLED: "true",
  MEMORIA_SYNC__BACKEND: "redis",
  MEMORIA_SYNC__CONNECTION_URL: "http://127.0.0.1:8079",
};

function configOf(regions: object[], env: Record<string, string> = {}): MemoriaConfig {
  return loadConfig({ env: { ...SYNC_ON, MEMORIA_REGIONS: JSON.stringify(regions), ...env } })
    .config;
}

const row = (id: string, extra: object = {}) => ({
  id,
  url: `https://${id}.example`,
  lat: 0,
  lon: 0,
  ...extra,
});

describe("transitPolicyOf", () => {
  it("reads the peers from the region table, without this region, with their keys", async () => {
    const b = await generateTransitKey("k1");
    const config = configOf([
      row("region-a"),
      row("region-b", {
        privacy_floor: 0,
        privacy_ceiling: 12,
        team_spaces: ["alpha"],
        transit_key: b.publicKey,
      }),
      row("region-c", { privacy_floor: -5 }),
    ]);
    const policy = await transitPolicyOf(config);
    if (policy.mode !== "sealed") throw new Error("expected the sealed mode (the default)");
    expect(
      policy.peers.map(({ publicKey, ...peer }) => ({ ...peer, key: publicKey?.text })),
    ).toEqual([
      { region: "region-b", band: { floor: 0, ceiling: 12 }, teams: ["alpha"], key: b.publicKey },
      { region: "region-c", band: { floor: -5, ceiling: 15 }, teams: ["*"], key: undefined },
    ]);
    expect(eligibleRecipients(policy, 5, "alpha").map((peer) => peer.region)).toEqual(["region-b"]);
    expect(eligibleRecipients(policy, 5, "bravo")).toEqual([]);
    expect(eligibleRecipients(policy, -3, null)).toEqual([]);
  });

  it("is clear when sync.transit_encryption says so", async () => {
    const config = configOf([row("region-b")], { MEMORIA_SYNC__TRANSIT_ENCRYPTION: "clear" });
    expect(await transitPolicyOf(config)).toEqual({ mode: "clear" });
  });

  it("names the row whose transit_key has the form but is not a point on the curve", async () => {
    const config = configOf([row("region-b", { transit_key: `k1.B${"A".repeat(86)}` })]);
    await expect(transitPolicyOf(config)).rejects.toThrow(
      'regions: region-b.transit_key: transit public key "k1" is not a P-256 point',
    );
  });
});

describe("transitWarnings", () => {
  let ownKey: string;
  let peerKey: string;
  beforeAll(async () => {
    ownKey = (await generateTransitKey("k1")).privateKey;
    peerKey = (await generateTransitKey("k1")).publicKey;
  });
  const keys = () => ({ MEMORIA_SYNC__TRANSIT_KEYS: JSON.stringify({ k1: ownKey }) });

  it("says nothing while sync is off", () => {
    const config = loadConfig({ env: { MEMORIA_SYNC__TRANSIT_ENCRYPTION: "clear" } }).config;
    expect(transitWarnings(config)).toEqual([]);
  });

  it("says nothing when this region has a key and every peer one", () => {
    expect(transitWarnings(configOf([row("region-b", { transit_key: peerKey })], keys()))).toEqual(
      [],
    );
  });

  it("warns that clear content is readable on the transport", () => {
    const config = configOf([row("region-b")], { MEMORIA_SYNC__TRANSIT_ENCRYPTION: "clear" });
    const warnings = transitWarnings(config);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^sync\.transit_encryption = clear: record content crosses the transport readable/,
    );
  });

  it("warns of a region without keys of its own and a table without peers", () => {
    const warnings = transitWarnings(configOf([row("region-a")]));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^sync\.transit_keys is empty: /);
    expect(warnings[1]).toMatch(/^the region table \(regions\) lists no peer: /);
  });

  it("names each peer that receives no content for lack of a key", () => {
    const config = configOf(
      [row("region-b", { transit_key: peerKey }), row("region-c"), row("region-d")],
      keys(),
    );
    expect(transitWarnings(config)).toEqual([
      "regions: region-c has no transit_key, so no content is sealed for it (it receives ids and tombstones only)",
      "regions: region-d has no transit_key, so no content is sealed for it (it receives ids and tombstones only)",
    ]);
  });
});
