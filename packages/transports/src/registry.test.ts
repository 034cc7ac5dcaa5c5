import "@memoria/local-services/testing/provided";
import { ConfigError, loadConfig, SYNC_BACKENDS } from "@memoria/sync-core";
import { describe, expect, inject, it } from "vitest";
import {
  backendNames,
  connectSync,
  isSyncBackend,
  syncBackends,
  validateSyncConfig,
} from "./index.js";

const config = (env: Record<string, string>) => loadConfig({ env }).config;

describe("the registry", () => {
  it("holds one descriptor per backend name, each declaring its capabilities", () => {
    expect(Object.keys(syncBackends)).toEqual([...SYNC_BACKENDS]);
    expect(backendNames()).toEqual(SYNC_BACKENDS);
    for (const name of backendNames()) {
      const backend = syncBackends[name];
      expect(backend.name).toBe(name);
      expect(["pull", "push"]).toContain(backend.capabilities.delivery);
      expect(typeof backend.capabilities.leases).toBe("boolean");
      expect(typeof backend.capabilities.wakeHints).toBe("boolean");
    }
    expect(isSyncBackend("redis")).toBe(true);
    expect(isSyncBackend("kafka")).toBe(false);
  });

  it("connects nothing when sync is off or the backend is none", () => {
    expect(connectSync(config({}))).toBeNull();
    expect(connectSync(config({ MEMORIA_SYNC__BACKEND: "redis" }))).toBeNull();
    expect(validateSyncConfig(config({}))).toEqual({ issues: [], warnings: [] });
  });

  it("every backend refuses a missing connection URL with a ConfigError naming the key", () => {
    for (const name of backendNames()) {
      const cfg = config({ MEMORIA_SYNC__BACKEND: name });
      expect(validateSyncConfig(cfg).issues.map((i) => i.key)).toContain("sync.connection_url");
      expect(() => syncBackends[name].connect(cfg)).toThrow(ConfigError);
    }
  });

  it("refuses what cannot work before it is saved, and warns about what has no effect", () => {
    const redis = config({
      MEMORIA_SYNC__BACKEND: "redis",
      MEMORIA_SYNC__CONNECTION_URL: "redis://redis.euw1.example.com:6379/0",
      MEMORIA_SYNC__TOKEN: "t",
      MEMORIA_SYNC__OPTIONS__ssl: "True",
      MEMORIA_SYNC__OPTIONS__colour: "blue",
    });
    const report = validateSyncConfig(redis);
    expect(report.issues.map((i) => i.key).sort()).toEqual([
      "sync.connection_url",
      "sync.options.colour",
    ]);
    expect(report.warnings).toEqual([
      "sync.options.ssl: has no effect on the edge; TLS comes from the https:// of sync.connection_url (Upstash REST)",
    ]);
  });

  it("connects the configured backend through its own factory, with its warnings", async () => {
    const { upstash } = inject("localServices");
    const channel = `test:registry:${crypto.randomUUID().slice(0, 8)}`;
    const connection = connectSync(
      config({
        MEMORIA_SYNC__ENABLED: "true",
        MEMORIA_SYNC__BACKEND: "redis",
        ...syncBackends.redis.localVars({
          upstash,
          neon: { wsProxy: "", fetchEndpoint: "" },
          postgresUrl: "",
        }),
        MEMORIA_SYNC__CHANNEL: channel,
        MEMORIA_SYNC__OPTIONS__socket_timeout: "3",
      }),
      { consumer: "registry-test" },
    );
    if (connection === null) throw new Error("sync is on: expected a connection");
    try {
      expect(connection.transport.backend).toBe("redis");
      expect(connection.warnings).toEqual([
        "sync.options.socket_timeout: has no effect on the edge; each command is one HTTPS request: use sync.options.timeoutMs",
      ]);
      expect((await connection.transport.health()).reachable).toBe(true);
      const lease = connection.lease("writer");
      expect(await lease.acquire("region-a", 2_000)).toMatchObject({ holder: "region-a" });
      expect(await lease.current()).toMatchObject({ holder: "region-a" });
    } finally {
      await connection.close();
    }
  });
});
