import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveKey } from "./keys.js";
import { ConfigError, loadConfig } from "./load.js";
import { settingsView } from "./settings.js";
import * as spec from "./spec-fixtures.js";

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

/** The value at a dotted key of the loaded config, via the flat settings view. */
function loadedValue(env: Record<string, string>, name: string) {
  const { config } = loadConfig({ env });
  const view = settingsView(config, { reveal: true });
  const segments = name.replace(/^MEMORIA_/i, "").split("__");
  const resolved = resolveKey(segments);
  if (resolved.kind === "entry")
    return (view[resolved.path.join(".")] as Record<string, unknown>)[resolved.entry];
  if (resolved.kind === "value" || resolved.kind === "table") return view[resolved.path.join(".")];
  throw new Error(`${name} resolves to nothing`);
}

describe("loadConfig with the operator documents' blocks", () => {
  const envBlocks = {
    PLAYBOOK_REDIS_REGION_A_ENV: spec.PLAYBOOK_REDIS_REGION_A_ENV,
    PLAYBOOK_REDIS_REGION_B_ENV: spec.PLAYBOOK_REDIS_REGION_B_ENV,
    PLAYBOOK_POSTGRES_WRITER_ENV: spec.PLAYBOOK_POSTGRES_WRITER_ENV,
    PLAYBOOK_POSTGRES_STANDBY_ENV: spec.PLAYBOOK_POSTGRES_STANDBY_ENV,
    PLAYBOOK_LOGGING_ENV: spec.PLAYBOOK_LOGGING_ENV,
    GUIDE_REDIS_ENV: spec.GUIDE_REDIS_ENV,
    GUIDE_POSTGRES_ENV: spec.GUIDE_POSTGRES_ENV,
    GUIDE_COMPOSE_REGION_A: spec.GUIDE_COMPOSE_REGION_A,
    GUIDE_COMPOSE_REGION_B: spec.GUIDE_COMPOSE_REGION_B,
    GUIDE_TERRAFORM_REGION_A: spec.GUIDE_TERRAFORM_REGION_A,
    GUIDE_TERRAFORM_REGION_B: spec.GUIDE_TERRAFORM_REGION_B,
  };

  for (const [name, block] of Object.entries(envBlocks)) {
    it(`${name}: every MEMORIA_ variable lands on its key with its typed value`, () => {
      const env = spec.parseEnvBlock(block);
      const { warnings } = loadConfig({ env, strict: true });
      expect(warnings).toEqual([]);
      for (const [variable, raw] of Object.entries(env)) {
        if (!variable.startsWith("MEMORIA_")) continue;
        const expected =
          raw === "true" || raw === "True" ? true : /^-?\d+$/.test(raw) ? Number(raw) : raw;
        expect(loadedValue(env, variable), variable).toEqual(expected);
      }
    });
  }

  it("region A of the Redis bridge", () => {
    const { config } = loadConfig({ env: spec.parseEnvBlock(spec.PLAYBOOK_REDIS_REGION_A_ENV) });
    expect(config.memory.namespace).toBe("prod-shared");
    expect(config.sync).toMatchObject({
      enabled: true,
      backend: "redis",
      connection_url: "redis://redis.use1.example.com:6379/0",
      channel: "memoria-sync",
      realtime_replication: true,
      privacy_floor: 0,
      privacy_ceiling: 12,
      options: { ssl: true },
    });
  });

  it("the Postgres standby keeps connect_kwargs' key case", () => {
    const { config } = loadConfig({ env: spec.parseEnvBlock(spec.PLAYBOOK_POSTGRES_STANDBY_ENV) });
    expect(config.sync.connect_kwargs).toEqual({ sslmode: "require" });
    expect(config.sync.table).toBe("infra.memoria_sync_events");
    expect(config.sync.privacy_floor).toBe(-5);
  });

  it("the shared Redis memoria.toml", () => {
    const { config, origins } = loadConfig({ toml: spec.PLAYBOOK_REDIS_TOML });
    expect(config.memory).toEqual({
      namespace: "prod-shared",
      team_namespace_prefix: "team",
      privacy_floor: -15,
      team_spaces: ["*"],
    });
    expect(config.sync).toMatchObject({
      enabled: true,
      backend: "redis",
      privacy_floor: 0,
      privacy_ceiling: 12,
      realtime_replication: true,
    });
    expect(config.sync.options).toEqual({ ssl: true, socket_timeout: 3, retry_on_timeout: true });
    expect(origins.get("sync.privacy_ceiling")?.source).toBe("memoria.toml");
  });

  it("the Postgres writer memoria.toml", () => {
    const { config } = loadConfig({ toml: spec.PLAYBOOK_POSTGRES_TOML });
    expect(config.sync).toMatchObject({
      backend: "postgres",
      channel: "memoria_sync",
      table: "infra.memoria_sync_events",
      privacy_floor: -5,
      privacy_ceiling: 15,
    });
    expect(config.sync.connect_kwargs).toEqual({
      sslmode: "require",
      application_name: "memoria-sync-writer",
    });
  });

  it("a later export wins, as in the guide's secondary-region example", () => {
    const { config } = loadConfig({ env: spec.parseEnvBlock(spec.GUIDE_REDIS_ENV) });
    expect(config.sync.connection_url).toBe("redis://redis.region-b.internal:6379/0");
  });

  it("Compose region A sets DECREMENT_TZ; region B's DISABLE_SCHEDULERS turns the scheduler off", () => {
    const a = loadConfig({ env: spec.parseEnvBlock(spec.GUIDE_COMPOSE_REGION_A) }).config;
    const b = loadConfig({ env: spec.parseEnvBlock(spec.GUIDE_COMPOSE_REGION_B) }).config;
    expect(a.DECREMENT_TZ).toBe("America/New_York");
    expect(a.scheduler.enabled).toBe(true);
    expect(b.scheduler.enabled).toBe(false);
    expect(b.sync.privacy_ceiling).toBe(10);
  });

  it("the guide's PATCH /settings body applies as overrides on top of env", () => {
    const env = spec.parseEnvBlock(spec.GUIDE_POSTGRES_ENV);
    const { config, origins } = loadConfig({
      env,
      overrides: JSON.parse(spec.GUIDE_SETTINGS_PATCH),
    });
    expect(config.sync).toMatchObject({
      backend: "redis",
      privacy_floor: 0,
      privacy_ceiling: 15,
      realtime_replication: true,
    });
    expect(origins.get("sync.privacy_floor")?.source).toBe("PATCH /settings");
    expect(origins.get("sync.table")?.source).toBe("MEMORIA_SYNC__TABLE");
  });

  it("MEMORIA_LOGGING__LEVEL=DEBUG", () => {
    expect(
      loadConfig({ env: spec.parseEnvBlock(spec.PLAYBOOK_LOGGING_ENV) }).config.logging.level,
    ).toBe("DEBUG");
  });
});

describe("loadConfig rules", () => {
  it("has working defaults with no input at all", () => {
    const { config } = loadConfig();
    expect(config).toMatchObject({
      memory: { namespace: "default", team_namespace_prefix: "team" },
      sync: {
        enabled: false,
        backend: "none",
        channel: "memoria-sync",
        table: "memoria_sync_events",
        privacy_floor: -15,
        privacy_ceiling: 15,
        options: {},
      },
      scheduler: { enabled: true },
      DECREMENT_TZ: "UTC",
      regions: [],
    });
  });

  it("layers memoria.toml < env < overrides, key by key", () => {
    const toml = `[sync]\nprivacy_floor = -5\nprivacy_ceiling = 10\nchannel = "from-toml"\n[sync.options]\nssl = false\nsocket_timeout = 3\n`;
    const env = {
      MEMORIA_SYNC__PRIVACY_FLOOR: "0",
      MEMORIA_SYNC__OPTIONS__ssl: "True",
      MEMORIA_SYNC__CHANNEL: "from-env",
    };
    const { config, origins } = loadConfig({
      toml,
      env,
      overrides: { "sync.channel": "from-patch" },
    });
    expect(config.sync).toMatchObject({
      privacy_floor: 0,
      privacy_ceiling: 10,
      channel: "from-patch",
      options: { ssl: true, socket_timeout: 3 },
    });
    expect(origins.get("sync.privacy_ceiling")?.source).toBe("memoria.toml");
    expect(origins.get("sync.privacy_floor")?.source).toBe("MEMORIA_SYNC__PRIVACY_FLOOR");
    expect(origins.get("sync.options.ssl")?.source).toBe("MEMORIA_SYNC__OPTIONS__ssl");
  });

  it("reads env names without regard to case, but keeps the case of option keys", () => {
    const { config } = loadConfig({
      env: {
        memoria_sync__privacy_floor: "3",
        Memoria_Sync__Options__SocketTimeout: "5",
        MEMORIA_SYNC__CONNECT_KWARGS__sslMode: "verify-full",
      },
    });
    expect(config.sync.privacy_floor).toBe(3);
    expect(config.sync.options).toEqual({ SocketTimeout: 5 });
    expect(config.sync.connect_kwargs).toEqual({ sslMode: "verify-full" });
  });

  it("coerces True, true, 1, yes and numbers from strings", () => {
    for (const yes of ["True", "true", "1", "yes", "ON"]) {
      expect(loadConfig({ env: { MEMORIA_SYNC__ENABLED: yes } }).config.sync.enabled).toBe(true);
    }
    for (const no of ["False", "false", "0", "no", "off"]) {
      expect(loadConfig({ env: { MEMORIA_SYNC__ENABLED: no } }).config.sync.enabled).toBe(false);
    }
    expect(
      loadConfig({ env: { MEMORIA_SYNC__PRIVACY_CEILING: " 7.5 " } }).config.sync.privacy_ceiling,
    ).toBe(7.5);
  });

  it("reports a bad value with its key, value and source", () => {
    const error = errorOf(() => loadConfig({ env: { MEMORIA_SYNC__PRIVACY_FLOOR: "-40" } }));
    expect(error.issues.map(String)).toHaveLength(1);
    expect(error.message).toContain(
      "sync.privacy_floor = -40 (from MEMORIA_SYNC__PRIVACY_FLOOR): must be between -15 and 15",
    );
  });

  it("reports every bad key at once, from every source", () => {
    const error = errorOf(() =>
      loadConfig({
        toml: `[sync]\nprivacy_ceiling = 99\nbackend = "kafka"\n[memory]\nprivacy_floor = "low"\n`,
        env: {
          MEMORIA_SYNC__ENABLED: "maybe",
          DECREMENT_TZ: "Mars/Olympus_Mons",
          MEMORIA_SYNC__TABLE: "infra.events; drop table x",
        },
        overrides: { "sync.privacy_flor": 1 },
      }),
    );
    const lines = error.message
      .split("\n")
      .slice(1)
      .map((line) => line.trim());
    expect(lines).toEqual(
      expect.arrayContaining([
        "sync.privacy_flor = 1 (from PATCH /settings): unknown key",
        "sync.privacy_ceiling = 99 (from memoria.toml): must be between -15 and 15",
        'sync.backend = "kafka" (from memoria.toml): must be none, redis or postgres',
        'memory.privacy_floor = "low" (from memoria.toml): must be a number',
        "sync.enabled = maybe (from MEMORIA_SYNC__ENABLED): must be true or false",
        "DECREMENT_TZ = Mars/Olympus_Mons (from DECREMENT_TZ): must be an IANA time zone such as UTC or America/New_York",
        "sync.table = infra.events; drop table x (from MEMORIA_SYNC__TABLE): must be table or schema.table (lowercase letters, digits, _)",
      ]),
    );
    expect(lines).toHaveLength(7);
  });

  it("rejects a floor above the ceiling and names the ceiling", () => {
    const error = errorOf(() =>
      loadConfig({ env: { MEMORIA_SYNC__PRIVACY_FLOOR: "5", MEMORIA_SYNC__PRIVACY_CEILING: "0" } }),
    );
    expect(error.message).toContain(
      "sync.privacy_ceiling = 0 (from MEMORIA_SYNC__PRIVACY_CEILING): must be >= sync.privacy_floor (5)",
    );
  });

  it("requires a connection URL once sync is on", () => {
    const error = errorOf(() =>
      loadConfig({ env: { MEMORIA_SYNC__ENABLED: "true", MEMORIA_SYNC__BACKEND: "redis" } }),
    );
    expect(error.message).toContain(
      "sync.connection_url: is required when sync is enabled with backend redis",
    );
  });

  it("accepts only real IANA zones for DECREMENT_TZ", () => {
    expect(loadConfig({ env: { DECREMENT_TZ: "Asia/Kolkata" } }).config.DECREMENT_TZ).toBe(
      "Asia/Kolkata",
    );
    expect(loadConfig({ toml: `DECREMENT_TZ = "Europe/Berlin"` }).config.DECREMENT_TZ).toBe(
      "Europe/Berlin",
    );
    for (const bad of ["+02:00", "EST5EDT6", "Not/AZone", ""]) {
      expect(() => loadConfig({ env: { DECREMENT_TZ: bad } }), bad).toThrow(ConfigError);
    }
  });

  it("warns about (and ignores) the Python original's other MEMORIA_ settings; strict mode refuses them", () => {
    const env = {
      MEMORIA_DATABASE__CONNECTION_STRING: "sqlite:///memoria.db",
      MEMORIA_AGENTS__OPENAI_API_KEY: "sk-x",
      PATH: "/usr/bin",
    };
    const { warnings } = loadConfig({ env });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/unknown key \(ignored\)$/);
    expect(() => loadConfig({ env, strict: true })).toThrow(
      /DATABASE\.CONNECTION_STRING = sqlite:\/\/\/memoria.db \(from MEMORIA_DATABASE__CONNECTION_STRING\): unknown key/,
    );
  });

  it("reads the region list from JSON and checks each region", () => {
    const regions = [
      {
        id: "region-a",
        url: "http://127.0.0.1:8701",
        lat: 39.0,
        lon: -77.5,
        role: "writer",
        continent: "NA",
      },
      { id: "region-b", service: "GATEWAY_B", lat: 53.3, lon: -6.3 },
    ];
    const { config } = loadConfig({ env: { MEMORIA_REGIONS: JSON.stringify(regions) } });
    // A row without a band, team spaces or transit key: the full band, every team, no content.
    const defaults = { enabled: true, privacy_floor: -15, privacy_ceiling: 15, team_spaces: ["*"] };
    expect(config.regions).toEqual([
      { ...regions[0], ...defaults },
      { ...regions[1], role: "reader", ...defaults },
    ]);
    const error = errorOf(() =>
      loadConfig({
        env: {
          MEMORIA_REGIONS: JSON.stringify([
            { id: "a", url: "http://x", lat: 91, lon: 0 },
            { id: "a", lat: 0, lon: 0 },
          ]),
        },
      }),
    );
    expect(error.message).toContain(
      "regions[0].lat = 91 (from MEMORIA_REGIONS): must be between -90 and 90",
    );
    expect(error.message).toContain("regions[1].url");
    expect(error.message).toContain('duplicate region id "a"');
  });

  it("reports broken TOML with its line", () => {
    const error = errorOf(() => loadConfig({ toml: "[sync\nenabled = true" }));
    expect(error.issues[0]?.key).toBe("memoria.toml");
    expect(error.message).toMatch(/is not valid TOML/);
  });

  it("never lets an env string reach a typed key without coercion or a clear error", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (value) => {
        try {
          const { config } = loadConfig({
            env: { MEMORIA_SYNC__PRIVACY_FLOOR: value, MEMORIA_SYNC__REALTIME_REPLICATION: value },
          });
          expect(typeof config.sync.privacy_floor).toBe("number");
          expect(typeof config.sync.realtime_replication).toBe("boolean");
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect(
            (error as ConfigError).issues.every((issue) =>
              issue.origin?.source.startsWith("MEMORIA_SYNC__"),
            ),
          ).toBe(true);
        }
      }),
    );
  });
});
