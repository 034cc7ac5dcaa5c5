import {
  createTransitKeyring,
  importTransitPublicKey,
  loadConfig,
  openEvent,
  sealEvent,
  type UnsignedSyncEvent,
} from "@memoria/sync-core";
import { describe, expect, it } from "vitest";
import { defaultTransitKeyId } from "../src/transit-keys.js";
import { memoria } from "./memoria.js";

/** Reads `NAME=value` and `NAME='value'` lines as a shell would, skipping comments. */
function envLines(stdout: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const match = /^(MEMORIA_[A-Z_]+)=(?:'([^']*)'|(\S*))$/.exec(line);
    if (match) env[match[1] as string] = (match[2] ?? match[3]) as string;
  }
  return env;
}

/**
 * What the operator pastes fits together: the secrets load as this region's config, the
 * public value loads as its row in a peer's table, and what a peer seals for that row,
 * this region opens.
 */
async function expectWorkingPair(env: Record<string, string>, transitKey: string, keyId: string) {
  const own = loadConfig({ env }).config.sync;
  expect(own.transit_key_id).toBe(keyId);
  const peer = loadConfig({
    env: {
      MEMORIA_REGIONS: JSON.stringify([
        { id: "region-b", url: "https://b.example", lat: 0, lon: 0, transit_key: transitKey },
      ]),
    },
  }).config;
  expect(peer.regions[0]?.transit_key).toBe(transitKey);
  const keyring = await createTransitKeyring({
    region: "region-b",
    current: keyId,
    keys: own.transit_keys as Record<string, string>,
  });
  expect(keyring.publicKey).toBe(transitKey);
  const event: UnsignedSyncEvent = {
    v: 1,
    id: "01936f5e-8a00-7000-8000-000000000001",
    action: "memory.created",
    entity_type: "memory",
    entity_id: "mem-1",
    namespace: "prod-shared",
    origin: "region-a",
    hlc: "001733356800000:00000:region-a",
    privacy: 5,
    created_at: "2024-12-05T00:00:00.000Z",
    payload: { text: "for region-b only" },
  };
  const sealed = await sealEvent(event, [
    { region: "region-b", publicKey: await importTransitPublicKey(transitKey) },
  ]);
  expect(await openEvent(sealed, keyring)).toEqual({ ok: true, event });
}

describe("memoria keys transit", () => {
  it("prints the secrets as env lines and the region table's transit_key, which fit together", async () => {
    const result = await memoria("keys", "transit", "--id", "Key-7");
    expect(result.code).toBe(0);
    const env = envLines(result.stdout);
    expect(Object.keys(env).sort()).toEqual([
      "MEMORIA_SYNC__TRANSIT_KEYS",
      "MEMORIA_SYNC__TRANSIT_KEY_ID",
    ]);
    expect(env.MEMORIA_SYNC__TRANSIT_KEY_ID).toBe("Key-7");
    expect(Object.keys(JSON.parse(env.MEMORIA_SYNC__TRANSIT_KEYS as string))).toEqual(["Key-7"]);
    const transitKey = /^transit_key = "(Key-7\.[A-Za-z0-9_-]+)"$/m.exec(result.stdout)?.[1];
    expect(transitKey).toBeDefined();
    await expectWorkingPair(env, transitKey as string, "Key-7");
  });

  it("names the key after today's UTC date by default, and makes a new key each time", async () => {
    const before = defaultTransitKeyId();
    const [first, second] = await Promise.all([
      memoria("keys", "transit", "--json"),
      memoria("keys", "transit", "--json"),
    ]);
    const ids = [before, defaultTransitKeyId()];
    const a = JSON.parse(first.stdout);
    const b = JSON.parse(second.stdout);
    expect(ids).toContain(a.key_id);
    expect(a.private_key).not.toBe(b.private_key);
    expect(a.transit_key.startsWith(`${a.key_id}.`)).toBe(true);
    expect(a.env).toEqual({
      MEMORIA_SYNC__TRANSIT_KEYS: JSON.stringify({ [a.key_id]: a.private_key }),
      MEMORIA_SYNC__TRANSIT_KEY_ID: a.key_id,
    });
    await expectWorkingPair(a.env, a.transit_key, a.key_id);
  });

  it("refuses an id the config would refuse, with exit code 2 and nothing on stdout", async () => {
    const result = await memoria("keys", "transit", "--id", "no.dots");
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      'keys transit: --id must be 1-32 of A-Z a-z 0-9 _ - (got "no.dots")',
    );
  });

  it("forms the default id from the UTC date, whatever the local zone", () => {
    expect(defaultTransitKeyId(new Date("2026-12-04T23:59:59.999Z"))).toBe("t20261204");
    expect(defaultTransitKeyId(new Date("2026-12-05T00:30:00+02:00"))).toBe("t20261204");
    expect(defaultTransitKeyId(new Date("2027-01-01T00:00:00Z"))).toBe("t20270101");
  });
});
