/**
 * Runs only under vitest.workers.config.ts, inside workerd (no nodejs_compat): the package
 * entry point, the transport and the lease against the real Redis through the Upstash
 * endpoint, as the gateway will use them. The Node suite covers the rest.
 */
import { loadConfig } from "@memoria/sync-core";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisLease, createRedisTransport, redisBackend } from "./index.js";
import {
  CLOSED_ENDPOINT,
  cleanUp,
  client,
  endpoint,
  keyMaker,
  runPrefix,
  sampleEvent,
  sleep,
  transport,
} from "./test-support.js";

const prefix = runPrefix("workerd");
const key = keyMaker(prefix);
afterAll(() => cleanUp(prefix));

it("runs inside workerd", () => {
  expect(navigator.userAgent).toBe("Cloudflare-Workers");
});

describe("transport in workerd", () => {
  it("publishes, pulls and acks, bodies byte for byte", async () => {
    const t = transport(key());
    const events = [
      sampleEvent({ payload: { text: "日本語 · 🚀 · ü", code: "00123", n: "123" } }),
      sampleEvent({ payload: { blob: "y".repeat(100_000) } }),
    ];
    const ids = await t.publish(events);
    const batch = await t.pull(10);
    expect(batch.messages.map((m) => [m.cursor, m.body, m.deliveries])).toEqual(
      events.map((e, i) => [ids[i], JSON.stringify(e), 1]),
    );
    await t.ack(ids);
    expect(await t.health()).toMatchObject({ reachable: true, lagEvents: 0, pending: 0 });
  });

  it("hands entries a dead consumer left pending to another one", async () => {
    const stream = key();
    const dead = transport(stream, { consumer: "dead", claimIdleMs: 50 });
    const live = transport(stream, { consumer: "live", claimIdleMs: 50 });
    const ids = await dead.publish([sampleEvent(), sampleEvent()]);
    await dead.pull(10);
    await sleep(80);
    const batch = await live.pull(10);
    expect(batch.messages.map((m) => m.cursor)).toEqual(ids);
    expect(batch.messages.every((m) => m.deliveries === 2)).toBe(true);
    await live.ack(ids);
    expect((await live.health()).pending).toBe(0);
  });

  it("replays since a time without touching the group", async () => {
    const t = transport(key());
    const ids = await t.publish([sampleEvent(), sampleEvent()]);
    const replay = await t.replaySince(0, { limit: 1 });
    expect(replay).toMatchObject({ more: true, messages: [{ cursor: ids[0] }] });
    expect((await t.health()).lagEvents).toBe(2);
  });

  it("reports an unreachable endpoint instead of throwing", async () => {
    const t = createRedisTransport({
      redis: { url: CLOSED_ENDPOINT, token: "x", retries: 0 },
      stream: key(),
      group: "region-b",
    });
    const health = await t.health();
    expect(health.reachable).toBe(false);
    expect(health.error).toBeTruthy();
  });

  it("is built from the config", async () => {
    const channel = key();
    const config = loadConfig({
      env: {
        MEMORIA_SYNC__BACKEND: "redis",
        MEMORIA_SYNC__CONNECTION_URL: endpoint().url,
        MEMORIA_SYNC__TOKEN: endpoint().token,
        MEMORIA_SYNC__CHANNEL: channel,
        MEMORIA_REGION__ID: "region-b",
      },
    }).config;
    const connection = redisBackend.connect(config);
    const t = connection.transport;
    const ids = await t.publish([sampleEvent()]);
    expect((await t.pull(5)).messages.map((m) => m.cursor)).toEqual(ids);
    const lease = connection.lease("scheduler");
    expect(lease.key).toBe(`${channel}:lease:scheduler`);
  });
});

describe("lease in workerd", () => {
  it("acquire, exclusion, renew, seize, release", async () => {
    const lease = createRedisLease({ redis: client(), key: key("lease") });
    const a = await lease.acquire("region-a", 5_000);
    expect(a).toMatchObject({ holder: "region-a", token: 1 });
    expect(await lease.acquire("region-b", 5_000)).toBeNull();
    if (!a) throw new Error("no lease");
    expect(await lease.renew(a, 5_000)).toMatchObject({ token: 1 });
    const b = await lease.seize("region-b", 5_000);
    expect(b.token).toBe(2);
    expect(await lease.renew(a, 5_000)).toBeNull();
    expect(await lease.current()).toMatchObject({ holder: "region-b", token: 2 });
    expect(await lease.release(b)).toBe(true);
    expect(await lease.current()).toBeNull();
    expect((await lease.acquire("region-a", 100))?.token).toBe(3);
    await sleep(150);
    expect(await lease.current()).toBeNull();
  });
});
