import { beforeAll, describe, expect, it } from "vitest";
import { generateTransitKey, type TransitKeyPair } from "../transit/keys.js";
import { transitWarnings } from "../transit/policy.js";
import { ConfigError, loadConfig } from "./load.js";
import { MASK, settingsView } from "./settings.js";

/** The config keys of team spaces and transit sealing, as TOML, env and the region table give them. */

let k1: TransitKeyPair;
let k2: TransitKeyPair;
beforeAll(async () => {
  [k1, k2] = await Promise.all([generateTransitKey("k1"), generateTransitKey("K2")]);
});

/** Each refusal as `key: message`, and the whole report (to check what it does not show). */
function refusal(input: Parameters<typeof loadConfig>[0]): { lines: string[]; text: string } {
  try {
    loadConfig(input);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return {
      lines: error.issues.map((issue) => `${issue.key}: ${issue.message}`),
      text: error.message,
    };
  }
  throw new Error("expected a ConfigError");
}

const row = (id: string, extra: object = {}) => ({
  id,
  url: `https://${id}.example`,
  lat: 0,
  lon: 0,
  ...extra,
});
const regions = (...rows: object[]) => ({ MEMORIA_REGIONS: JSON.stringify(rows) });

describe("memory.team_spaces", () => {
  it("defaults to every team", () => {
    expect(loadConfig().config.memory.team_spaces).toEqual(["*"]);
  });

  it("reads a TOML list, and env as alpha,bravo or JSON", () => {
    const toml = `[memory]\nteam_spaces = ["alpha", "bravo"]\n`;
    expect(loadConfig({ toml }).config.memory.team_spaces).toEqual(["alpha", "bravo"]);
    for (const value of ["alpha,bravo", " alpha , bravo ", '["alpha","bravo"]'])
      expect(
        loadConfig({ env: { MEMORIA_MEMORY__TEAM_SPACES: value } }).config.memory.team_spaces,
        value,
      ).toEqual(["alpha", "bravo"]);
    expect(
      loadConfig({ env: { MEMORIA_MEMORY__TEAM_SPACES: "" } }).config.memory.team_spaces,
    ).toEqual([]);
    expect(
      loadConfig({ env: { MEMORIA_MEMORY__TEAM_SPACES: "*" } }).config.memory.team_spaces,
    ).toEqual(["*"]);
  });

  it("refuses what is not a team name, naming the entry", () => {
    expect(refusal({ env: { MEMORIA_MEMORY__TEAM_SPACES: "alpha,Bravo" } }).lines).toEqual([
      `memory.team_spaces[1]: must be "*" or a team name (lowercase letters, digits, '-')`,
    ]);
    expect(refusal({ toml: `[memory]\nteam_spaces = 3\n` }).lines).toEqual([
      `memory.team_spaces: must be a list of team names, or ["*"] for every team`,
    ]);
    expect(refusal({ env: { MEMORIA_MEMORY__TEAM_SPACES: '["alpha", 3]' } }).lines[0]).toMatch(
      /^memory\.team_spaces\[1\]: /,
    );
  });

  it("names the bad entry's own value in the report", () => {
    expect(refusal({ env: { MEMORIA_MEMORY__TEAM_SPACES: "alpha,Bravo" } }).text).toContain(
      "memory.team_spaces[1] = Bravo (from MEMORIA_MEMORY__TEAM_SPACES)",
    );
  });

  it("refuses ':' in memory.namespace: it separates a team space", () => {
    expect(refusal({ env: { MEMORIA_MEMORY__NAMESPACE: "prod:eu" } }).lines[0]).toMatch(
      /^memory\.namespace: .*':' is reserved: it separates a team space/,
    );
  });
});

describe("sync.transit_encryption, sync.transit_keys, sync.transit_key_id", () => {
  it("default to sealed, with no key", () => {
    const { sync } = loadConfig().config;
    expect(sync.transit_encryption).toBe("sealed");
    expect(sync.transit_keys).toEqual({});
    expect(sync.transit_key_id).toBeUndefined();
  });

  it("read from TOML", () => {
    const toml = [
      "[sync]",
      'transit_encryption = "clear"',
      'transit_key_id = "K2"',
      "[sync.transit_keys]",
      `k1 = "${k1.privateKey}"`,
      `K2 = "${k2.privateKey}"`,
    ].join("\n");
    const { sync } = loadConfig({ toml }).config;
    expect(sync.transit_encryption).toBe("clear");
    expect(sync.transit_keys).toEqual({ k1: k1.privateKey, K2: k2.privateKey });
    expect(sync.transit_key_id).toBe("K2");
  });

  it("read from env, JSON or one entry per variable, keeping the key ids' case", () => {
    const whole = loadConfig({
      env: {
        MEMORIA_SYNC__TRANSIT_KEYS: JSON.stringify({ k1: k1.privateKey, K2: k2.privateKey }),
        MEMORIA_SYNC__TRANSIT_KEY_ID: "K2",
      },
    }).config.sync;
    expect(whole.transit_keys).toEqual({ k1: k1.privateKey, K2: k2.privateKey });
    expect(whole.transit_key_id).toBe("K2");
    const entry = loadConfig({ env: { MEMORIA_SYNC__TRANSIT_KEYS__K2: k2.privateKey } }).config
      .sync;
    expect(entry.transit_keys).toEqual({ K2: k2.privateKey });
  });

  it("refuse a key that is not one, naming it and never showing it", () => {
    const mistyped = k1.privateKey.slice(0, 60);
    const json = refusal({ env: { MEMORIA_SYNC__TRANSIT_KEYS: JSON.stringify({ k1: mistyped }) } });
    expect(json.lines).toEqual([
      "sync.transit_keys.k1: must be a P-256 private key, base64url PKCS#8, as `memoria keys transit` prints it",
    ]);
    expect(json.text).toContain(`sync.transit_keys.k1 = ${MASK} (from MEMORIA_SYNC__TRANSIT_KEYS)`);
    const entry = refusal({ env: { MEMORIA_SYNC__TRANSIT_KEYS__k1: mistyped } });
    for (const { text } of [json, entry]) expect(text).not.toContain(mistyped.slice(0, 20));
    expect(
      refusal({ toml: `[sync.transit_keys]\n"dot.ted" = "${k1.privateKey}"\n` }).lines,
    ).toEqual(["sync.transit_keys.dot.ted: key id must be 1-32 of A-Z a-z 0-9 _ -"]);
  });

  it("refuse a current key id that names no key, or none among several", () => {
    expect(
      refusal({
        env: {
          MEMORIA_SYNC__TRANSIT_KEYS: JSON.stringify({ k1: k1.privateKey }),
          MEMORIA_SYNC__TRANSIT_KEY_ID: "k2",
        },
      }).lines,
    ).toEqual(["sync.transit_key_id: must name a key in sync.transit_keys"]);
    expect(
      refusal({
        env: {
          MEMORIA_SYNC__TRANSIT_KEYS: JSON.stringify({ k1: k1.privateKey, K2: k2.privateKey }),
        },
      }).lines,
    ).toEqual([
      "sync.transit_key_id: must name the current key when sync.transit_keys holds several (k1, K2)",
    ]);
    expect(refusal({ env: { MEMORIA_SYNC__TRANSIT_KEY_ID: "bad id" } }).lines).toContain(
      "sync.transit_key_id: must be 1-32 of A-Z a-z 0-9 _ -",
    );
    expect(refusal({ env: { MEMORIA_SYNC__TRANSIT_ENCRYPTION: "none" } }).lines).toEqual([
      "sync.transit_encryption: must be sealed or clear",
    ]);
  });

  it("are masked in the settings view, like every sync secret", () => {
    const { config } = loadConfig({
      env: { MEMORIA_SYNC__TRANSIT_KEYS: JSON.stringify({ k1: k1.privateKey }) },
    });
    const view = settingsView(config);
    expect(view["sync.transit_keys"]).toBe(MASK);
    expect(view["sync.transit_key_id"]).toBeNull();
    expect(view["sync.transit_encryption"]).toBe("sealed");
    expect(JSON.stringify(view)).not.toContain(k1.privateKey.slice(0, 20));
    expect(settingsView(loadConfig().config)["sync.transit_keys"]).toEqual({});
  });
});

describe("the region table's band, team spaces and transit key", () => {
  it("reads each row's band, team spaces and public transit key", () => {
    const { config } = loadConfig({
      env: regions(
        row("region-b", {
          privacy_floor: 0,
          privacy_ceiling: 12,
          team_spaces: ["alpha"],
          transit_key: k1.publicKey,
        }),
      ),
    });
    expect(config.regions[0]).toMatchObject({
      privacy_floor: 0,
      privacy_ceiling: 12,
      team_spaces: ["alpha"],
      transit_key: k1.publicKey,
    });
    const toml = `[[regions]]\nid = "region-b"\nurl = "https://b.example"\nlat = 0\nlon = 0\nteam_spaces = []\ntransit_key = "${k2.publicKey}"\n`;
    expect(loadConfig({ toml }).config.regions[0]).toMatchObject({
      team_spaces: [],
      transit_key: k2.publicKey,
    });
  });

  it("refuses a row whose band is upside down, naming its ceiling", () => {
    expect(
      refusal({ env: regions(row("region-b", { privacy_floor: 5, privacy_ceiling: 0 })) }).lines,
    ).toEqual(["regions[0].privacy_ceiling: must be >= privacy_floor (5)"]);
  });

  it("refuses a transit_key not of the form <keyId>.<point>, naming it", () => {
    for (const bad of [k1.privateKey, k1.publicKey.slice(3), `${k1.publicKey}A`, 42])
      expect(refusal({ env: regions(row("region-b", { transit_key: bad })) }).lines[0]).toMatch(
        /^regions\[0\]\.transit_key: must be/,
      );
    expect(refusal({ env: regions(row("region-b", { team_spaces: ["Alpha"] })) }).lines).toEqual([
      `regions[0].team_spaces[0]: must be "*" or a team name (lowercase letters, digits, '-')`,
    ]);
  });

  it("warns (does not refuse) when this region's own row says other than sync and memory do", () => {
    const env = {
      MEMORIA_REGION__ID: "region-a",
      MEMORIA_SYNC__ENABLED: "true",
      MEMORIA_SYNC__BACKEND: "redis",
      MEMORIA_SYNC__CONNECTION_URL: "https://redis.example",
      MEMORIA_SYNC__PRIVACY_FLOOR: "0",
      MEMORIA_SYNC__PRIVACY_CEILING: "12",
      MEMORIA_MEMORY__TEAM_SPACES: "alpha,bravo",
    };
    const agreeing = row("region-a", {
      privacy_floor: 0,
      privacy_ceiling: 12,
      team_spaces: ["bravo", "alpha"],
    });
    const ownRow = (warnings: string[]) => warnings.filter((w) => w.includes("this region's row"));
    expect(
      ownRow(
        transitWarnings(
          loadConfig({ env: { ...env, ...regions(agreeing, row("region-b")) } }).config,
        ),
      ),
    ).toEqual([]);
    const stale = loadConfig({
      env: {
        ...env,
        ...regions(row("region-b"), row("region-a", { privacy_floor: -5, team_spaces: ["alpha"] })),
      },
    }).config;
    expect(ownRow(transitWarnings(stale))).toEqual([
      "regions: this region's row says band -5..15 but sync.privacy_floor/ceiling are 0..12: peers seal for the row's band until the row is updated in every region's table",
      'regions: this region\'s row says team_spaces ["alpha"] but memory.team_spaces is ["alpha","bravo"]: peers seal for the row\'s spaces until the row is updated in every region\'s table',
    ]);
    // Other regions' rows say what they enforce, not what this one does.
    expect(
      loadConfig({ env: { ...env, ...regions(row("region-b", { privacy_floor: -15 })) } }).config
        .regions[0]?.privacy_floor,
    ).toBe(-15);
  });
});
