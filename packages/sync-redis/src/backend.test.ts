import { ConfigError, loadConfig } from "@memoria/sync-core";
import { afterAll, describe, expect, it } from "vitest";
import { leaseKey, redisBackend } from "./backend.js";
import { createRedisClient, type Redis } from "./client.js";
import { redisClientOptions } from "./options.js";
import {
  CLOSED_ENDPOINT,
  cleanUp,
  endpoint,
  keyMaker,
  runPrefix,
  sampleEvent,
} from "./test-support.js";

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
    const t = redisBackend.connect(cfg, { consumer: "isolate-1" }).transport;
    expect([t.stream, t.group, t.consumer]).toEqual([channel, "region-a", "isolate-1"]);
    const event = sampleEvent();
    const ids = await t.publish([event]);
    const other = redisBackend.connect(cfg, { region: "region-b" }).transport;
    expect((await other.pull(10)).messages.map((m) => [m.cursor, m.body])).toEqual([
      [ids[0], JSON.stringify(event)],
    ]);
    expect((await other.health()).reachable).toBe(true);
  });

  it("keys the lease beside the stream and hands it out", async () => {
    const channel = streamKey();
    const l = redisBackend.connect(config({ MEMORIA_SYNC__CHANNEL: channel })).lease("scheduler");
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
      redisBackend.connect(noToken);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/sync\.connection_url: must be the Upstash REST URL/);
    expect(message).toMatch(/sync\.token: is required/);
    expect(message).not.toMatch(/secret-password/);

    const postgres = config({ MEMORIA_SYNC__BACKEND: "postgres" });
    expect(() => redisBackend.connect(postgres)).toThrow(/sync\.backend: is "postgres"/);
    expect(() => redisBackend.connect(postgres)).toThrow(ConfigError);
  });
});

/** The client's HTTP layer, as @upstash/redis 1.39 keeps it (a protected field). */
function httpOf(redis: Redis) {
  return (
    redis as unknown as {
      client: {
        retry: { attempts: number; backoff: (n: number) => number };
        options: { keepAlive: boolean; signal?: () => AbortSignal };
        readYourWrites: boolean;
      };
    }
  ).client;
}

describe("sync.options", () => {
  it("reach the @upstash/redis client as its own options", () => {
    const cfg = config({
      MEMORIA_SYNC__OPTIONS: JSON.stringify({
        retries: 2,
        backoffMs: 10,
        timeoutMs: 1500,
        keepAlive: false,
        readYourWrites: "false",
      }),
    });
    const http = httpOf(createRedisClient({ ...endpoint(), ...redisClientOptions(cfg).client }));
    expect(http.retry.attempts).toBe(2);
    expect(http.retry.backoff(1)).toBeCloseTo(Math.E * 10);
    expect(http.options.keepAlive).toBe(false);
    expect(http.readYourWrites).toBe(false);
    const signal = http.options.signal?.();
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal?.aborted).toBe(false);
  });

  it("retry_on_timeout = false means no retries; an explicit retries wins", () => {
    const off = config({ MEMORIA_SYNC__OPTIONS__retry_on_timeout: "False" });
    expect(redisClientOptions(off).client).toEqual({ retries: 0 });
    const both = config({
      MEMORIA_SYNC__OPTIONS: JSON.stringify({ retry_on_timeout: false, retries: 4 }),
    });
    expect(redisClientOptions(both).client).toEqual({ retries: 4 });
  });

  it("are what the connection's client does: retries with the given backoff", async () => {
    const unreachable = (options: object) =>
      redisBackend.connect(
        config({
          MEMORIA_SYNC__CONNECTION_URL: CLOSED_ENDPOINT,
          MEMORIA_SYNC__OPTIONS: JSON.stringify(options),
        }),
      ).transport;
    const elapsed = async (options: object) => {
      const started = Date.now();
      await expect(unreachable(options).ack(["1-0"])).rejects.toThrow();
      return Date.now() - started;
    };
    expect(await elapsed({ retries: 0 })).toBeLessThan(250);
    // Waits 300 · e^0 + 300 · e^1 ≈ 1115 ms between its three attempts.
    expect(await elapsed({ retries: 2, backoffMs: 300 })).toBeGreaterThanOrEqual(1_100);
  });

  it("accepts the original's redis.from_url keys with a warning naming the edge way", () => {
    const cfg = config({
      MEMORIA_SYNC__OPTIONS__ssl: "True",
      MEMORIA_SYNC__OPTIONS__socket_timeout: "3",
      MEMORIA_SYNC__CONNECT_KWARGS__sslmode: "require",
    });
    const report = redisBackend.validate(cfg);
    expect(report.issues).toEqual([]);
    expect([...report.warnings].sort()).toEqual([
      "sync.connect_kwargs.sslmode: a Postgres connection keyword, not read by the redis backend (it reads sync.options)",
      "sync.options.socket_timeout: has no effect on the edge; each command is one HTTPS request: use sync.options.timeoutMs",
      "sync.options.ssl: has no effect on the edge; TLS comes from the https:// of sync.connection_url (Upstash REST)",
    ]);
    expect(redisBackend.connect(cfg).warnings).toEqual(report.warnings);
  });

  it("refuses an unknown key or a bad value, naming it and the accepted ones", () => {
    const cfg = config({
      MEMORIA_SYNC__OPTIONS__retrys: "3",
      MEMORIA_SYNC__OPTIONS__keepAlive: "7",
    });
    expect(() => redisBackend.connect(cfg)).toThrow(ConfigError);
    const issues = Object.fromEntries(
      redisBackend.validate(cfg).issues.map((issue) => [issue.key, issue.message]),
    );
    expect(Object.keys(issues).sort()).toEqual(["sync.options.keepAlive", "sync.options.retrys"]);
    expect(issues["sync.options.retrys"]).toMatch(
      /^unknown option; accepted: retries, backoffMs, timeoutMs/,
    );
    expect(issues["sync.options.keepAlive"]).toBe("must be true or false");
  });
});
