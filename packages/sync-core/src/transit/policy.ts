import type { MemoriaConfig } from "../config/schema.js";
import { inBand, type PrivacyBand } from "../privacy.js";
import { servesTeam } from "../routing.js";
import { importTransitPublicKey, type TransitPublicKey } from "./keys.js";
import type { TransitRecipient } from "./seal.js";

/**
 * Who may read a record in transit: the peers of the region table whose band admits its y
 * and who serve its team space, as this region's configuration declares them. The table is
 * the sender's, not what peers announce about themselves, so a region cannot widen what it
 * is sent by claiming a wider band.
 */

export interface TransitPeer {
  region: string;
  band: PrivacyBand;
  teams: readonly string[];
  /** Absent: the region has published no key, so no content is sealed for it. */
  publicKey?: TransitPublicKey;
}

export type TransitPolicy = { mode: "clear" } | { mode: "sealed"; peers: readonly TransitPeer[] };

/** The peers (every region of the table but `self`) as the sealing policy sees them. */
export async function transitPolicyOf(config: MemoriaConfig): Promise<TransitPolicy> {
  if (config.sync.transit_encryption === "clear") return { mode: "clear" };
  const peers = await Promise.all(
    config.regions
      .filter((region) => region.id !== config.region.id)
      .map(async (region): Promise<TransitPeer> => {
        const band = { floor: region.privacy_floor, ceiling: region.privacy_ceiling };
        const base = { region: region.id, band, teams: region.team_spaces };
        return region.transit_key === undefined
          ? base
          : { ...base, publicKey: await peerKey(region.id, region.transit_key) };
      }),
  );
  return { mode: "sealed", peers };
}

/** The schema checks a key's form; only the import finds a point off the curve, so name the row here. */
async function peerKey(region: string, text: string): Promise<TransitPublicKey> {
  try {
    return await importTransitPublicKey(text);
  } catch (error) {
    throw new RangeError(`regions: ${region}.transit_key: ${(error as Error).message}`);
  }
}

/** The peers allowed to store a record with privacy `y` of `team`, each with a key to seal for. */
export function eligibleRecipients(
  policy: Extract<TransitPolicy, { mode: "sealed" }>,
  y: number | null,
  team: string | null | undefined,
): TransitRecipient[] {
  const out: TransitRecipient[] = [];
  for (const peer of policy.peers)
    if (peer.publicKey && inBand(peer.band, y) && servesTeam(peer.teams, team))
      out.push({ region: peer.region, publicKey: peer.publicKey });
  return out;
}

/**
 * What an operator should know about transit at start (listed in `/health/sync` as
 * `config_warnings`): content sent in clear, peers that receive no content for lack of a
 * key, and a region that cannot read what peers seal for it.
 */
export function transitWarnings(config: MemoriaConfig): string[] {
  if (!config.sync.enabled) return [];
  if (config.sync.transit_encryption === "clear")
    return [
      "sync.transit_encryption = clear: record content crosses the transport readable by anyone who can read it; set sealed and give each region a transit key (`memoria keys transit`)",
    ];
  const warnings: string[] = [];
  if (Object.keys(config.sync.transit_keys).length === 0)
    warnings.push(
      "sync.transit_keys is empty: peers cannot seal content for this region, so it receives ids and tombstones only; make a key with `memoria keys transit`",
    );
  const peers = config.regions.filter((region) => region.id !== config.region.id);
  if (peers.length === 0)
    warnings.push(
      "the region table (regions) lists no peer: no content leaves this region; list each peer with its band, team spaces and transit_key",
    );
  for (const peer of peers)
    if (peer.transit_key === undefined)
      warnings.push(
        `regions: ${peer.id} has no transit_key, so no content is sealed for it (it receives ids and tombstones only)`,
      );
  return [...warnings, ...ownRowWarnings(config)];
}

/**
 * Peers seal for what this region's row in *their* tables says. When the region's own
 * settings moved (a `PATCH /settings` of its band, say) the row is stale until every table
 * is updated: peers go on sealing for the old band or spaces. Not refused — a band change at
 * run time is a drill the playbook asks for, and the receiver applies its own band to
 * whatever it opens — but said, naming both values.
 */
function ownRowWarnings(config: MemoriaConfig): string[] {
  const row = config.regions.find((region) => region.id === config.region.id);
  if (row === undefined) return [];
  const out: string[] = [];
  const { privacy_floor: floor, privacy_ceiling: ceiling } = config.sync;
  if (row.privacy_floor !== floor || row.privacy_ceiling !== ceiling)
    out.push(
      `regions: this region's row says band ${row.privacy_floor}..${row.privacy_ceiling} but sync.privacy_floor/ceiling are ${floor}..${ceiling}: peers seal for the row's band until the row is updated in every region's table`,
    );
  const sorted = (list: readonly string[]) => [...list].sort().join(",");
  if (sorted(row.team_spaces) !== sorted(config.memory.team_spaces))
    out.push(
      `regions: this region's row says team_spaces ${JSON.stringify(row.team_spaces)} but memory.team_spaces is ${JSON.stringify(config.memory.team_spaces)}: peers seal for the row's spaces until the row is updated in every region's table`,
    );
  return out;
}
