import { ConfigError, loadConfig } from "@memoria/sync-core";
import { afterAll, describe, expect, it } from "vitest";
import { leaseKey, redisLeaseFromConfig, redisTransportFromConfig } from "./config.js";
import { cleanUp, client, endpoint, keyMaker, runPrefix, sampleEvent } from "./test-support.js";

const prefix = runPrefix("node-config");
const streamKey = keyMaker(prefix);
afterAll(() => cleanUp(prefix));

function config(env: Record<string, string>) {
  return loadConfig({
    env: {
      MEMORIA_SYNC__ENABLED: "true",
      MEMORIA_SYNC__BACKEND: "redis",
      MEMORIA_SYNC__CONNECTION_URL: endpoint().url,
      MEMORIA_SYNC__TOKEN: endpoint().token,
      MEMORIA_REGION__ID: "region-a",
      ...env,
    },
  }).config;
}

describe("from config", () => {
  it("maps sync.channel, sync.retention_events, region.id, connection_url and token", async () => {
    const channel = streamKey();
    const cfg = config({ MEMORIA_SYNC__CHANNEL: channel, MEMORIA_SYNC__RETENTION_EVENTS: "2000" });
    const t = redisTransportFromConfig(cfg, { consumer: "isolate-1" });
    expect([t.stream, t.group, t.consumer]).toEqual([channel, "region-a", "isolate-1"]);
    const event = sampleEvent();
    const ids = await t.publish([event]);
    const other = redisTransportFromConfig(cfg, { region: "region-b", redis: client() });
    expect((await other.pull(10)).messages.map((m) => [m.cursor, m.body])).toEqual([
      [ids[0], JSON.stringify(event)],
    ]);
    expect((await other.health()).reachable).toBe(true);
  });

  it("keys the lease beside the stream and hands it out", async () => {
    const channel = streamKey();
    const l = redisLeaseFromConfig(config({ MEMORIA_SYNC__CHANNEL: channel }));
    expect(l.key).toBe(`${channel}:lease:scheduler`);
    expect(l.fenceKey).toBe(`${channel}:lease:scheduler:fence`);
    expect(leaseKey("c", "promote")).toBe("c:lease:promote");
    expect(await l.acquire("region-a", 5_000)).toMatchObject({ holder: "region-a" });
  });

  it("names the missing or wrong key, never the secret", () => {
    const noToken = loadConfig({
      env: {
        MEMORIA_SYNC__BACKEND: "redis",
        MEMORIA_SYNC__CONNECTION_URL: "redis://user:secret-password@127.0.0.1:6379",
      },
    }).config;
    let error: unknown;
    try {
      redisTransportFromConfig(noToken);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/sync\.connection_url: must be the Upstash REST URL/);
    expect(message).toMatch(/sync\.token: is required/);
    expect(message).not.toMatch(/secret-password/);

    const postgres = config({ MEMORIA_SYNC__BACKEND: "postgres" });
    expect(() => redisTransportFromConfig(postgres)).toThrow(/sync\.backend: is "postgres"/);
  });
});
