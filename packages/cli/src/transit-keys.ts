import {
  generateTransitKey,
  TRANSIT_KEY_ID_PATTERN,
  type TransitKeyPair,
} from "@memoria/sync-core";

/**
 * `memoria keys transit [--id KEYID] [--json]`: a new transit key pair for one region. The
 * private half is a secret of that region (`sync.transit_keys`, `sync.transit_key_id`); the
 * public half is the region's `transit_key` in every region's table, so peers seal for it.
 * Made locally: nothing is sent anywhere.
 */

/** `t20261204`: the UTC date the key was made, so ids sort by age and say when to rotate. */
export function defaultTransitKeyId(now = new Date()): string {
  return `t${now.toISOString().slice(0, 10).replaceAll("-", "")}`;
}

/** The two env variables that hold the key as a secret of its region. */
export function transitKeyEnv(pair: TransitKeyPair): Record<string, string> {
  return {
    MEMORIA_SYNC__TRANSIT_KEYS: JSON.stringify({ [pair.keyId]: pair.privateKey }),
    MEMORIA_SYNC__TRANSIT_KEY_ID: pair.keyId,
  };
}

/** What an operator reads: env lines to store as secrets, then the region table's value. */
export function transitKeyText(pair: TransitKeyPair): string {
  const env = Object.entries(transitKeyEnv(pair)).map(([name, value]) =>
    // Key ids and base64url never hold a quote, so single quotes keep the JSON whole in a shell.
    /^[A-Za-z0-9_-]+$/.test(value) ? `${name}=${value}` : `${name}='${value}'`,
  );
  return [
    "# This region's secrets (when rotating, keep the old key beside the new one in",
    "# MEMORIA_SYNC__TRANSIT_KEYS until no event sealed for it can still arrive):",
    ...env,
    "# This region's row in every region's table (memoria.toml [[regions]] or MEMORIA_REGIONS):",
    `transit_key = "${pair.publicKey}"`,
  ].join("\n");
}

/** For scripts: the same, as one JSON object. */
export function transitKeyJson(pair: TransitKeyPair): string {
  return JSON.stringify(
    {
      key_id: pair.keyId,
      private_key: pair.privateKey,
      transit_key: pair.publicKey,
      env: transitKeyEnv(pair),
    },
    null,
    2,
  );
}

/** Exit 0 with the pair on stdout, or 2 (usage) for an id the config would refuse. */
export async function transitKeyCommand(
  flags: { id?: string; json?: boolean },
  args: readonly string[],
  usage: string,
): Promise<number> {
  const keyId = flags.id ?? defaultTransitKeyId();
  const problem =
    args.length > 0
      ? `takes no arguments (got ${args.join(" ")})`
      : !TRANSIT_KEY_ID_PATTERN.test(keyId)
        ? `--id must be 1-32 of A-Z a-z 0-9 _ - (got "${keyId}")`
        : undefined;
  if (problem !== undefined) {
    console.error(`keys transit: ${problem}\n${usage}`);
    return 2;
  }
  const pair = await generateTransitKey(keyId);
  console.log(flags.json ? transitKeyJson(pair) : transitKeyText(pair));
  return 0;
}
