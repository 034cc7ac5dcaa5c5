import { Redis as NodeRedis } from "@upstash/redis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisClient } from "./client.js";
import { streamIdMs } from "./stream-id.js";
import {
  CLOSED_ENDPOINT,
  cleanUp,
  client,
  endpoint,
  groupsOf,
  keyMaker,
  runPrefix,
  sampleEvent,
  sleep,
  transport,
} from "./test-support.js";
import { createRedisTransport, type RedisTransport } from "./transport.js";

const prefix = runPrefix("node-transport");
const streamKey = keyMaker(prefix);
afterAll(() => cleanUp(prefix));

/** Pulls until nothing is left (at most 50 pulls), acking each batch. */
async function drain(t: RedisTransport, limit = 100): Promise<string[]> {
  const bodies: string[] = [];
  for (let round = 0; round < 50; round++) {
    const batch = await t.pull(limit);
    bodies.push(...batch.messages.map((m) => m.body));
    await t.ack(batch.messages.map((m) => m.cursor));
    if (!batch.more && batch.messages.length === 0) return bodies;
  }
  throw new Error("drain: still more after 50 pulls");
}

describe("publish, pull, ack", () => {
  it("round-trips events in order, bodies byte for byte", async () => {
    const t = transport(streamKey());
    const events = [
      sampleEvent({ payload: { text: "héllo wörld · 日本語 · 🚀 · \u0000 · \u2028", y: -3 } }),
      sampleEvent({
        entity_id: "00123",
        payload: { code: "00123", n: "123", big: "12345678901234567890" },
      }),
      sampleEvent({
        payload: { nested: { list: [1, "two", { three: 3.5 }], ok: true, none: null } },
      }),
      sampleEvent({ payload: { blob: "x".repeat(100_000), tail: "ü" } }),
      sampleEvent({ action: "memory.redacted", payload: undefined, privacy: null }),
    ];
    const before = Date.now();
    const ids = await t.publish(events);
    const after = Date.now();
    expect(ids).toHaveLength(events.length);
    expect(new Set(ids).size).toBe(events.length);

    const batch = await t.pull(10);
    expect(batch.more).toBe(false);
    expect(batch.trimmed).toEqual([]);
    expect(batch.messages.map((m) => m.cursor)).toEqual(ids);
    expect(batch.messages.map((m) => m.body)).toEqual(events.map((e) => JSON.stringify(e)));
    for (const m of batch.messages) {
      expect(m.deliveries).toBe(1);
      expect(m.publishedAt).toBe(streamIdMs(m.cursor));
      expect(m.publishedAt).toBeGreaterThanOrEqual(before - 1_000);
      expect(m.publishedAt).toBeLessThanOrEqual(after + 1_000);
    }
    expect(JSON.parse(batch.messages[1]?.body ?? "")).toEqual(events[1]);

    await t.ack(ids);
    expect((await t.pull(10)).messages).toEqual([]);
    const health = await t.health();
    expect(health).toMatchObject({
      reachable: true,
      lagEvents: 0,
      pending: 0,
      oldestUnackedAt: null,
    });
  });

  it("publish of nothing sends nothing and returns []", async () => {
    const stream = streamKey();
    expect(await transport(stream).publish([])).toEqual([]);
    expect(await client().exec(["EXISTS", stream])).toBe(0);
  });

  it("ids grow across batches and within one", async () => {
    const t = transport(streamKey());
    const first = await t.publish([sampleEvent(), sampleEvent(), sampleEvent()]);
    const second = await t.publish([sampleEvent()]);
    const all = [...first, ...second];
    const sorted = [...all].sort((a, b) => streamIdMs(a) - streamIdMs(b) || a.localeCompare(b));
    expect(all).toEqual(sorted);
  });

  it("honours the limit and says when more is ready", async () => {
    const t = transport(streamKey());
    const ids = await t.publish([1, 2, 3, 4, 5].map(() => sampleEvent()));
    const a = await t.pull(2);
    const b = await t.pull(2);
    const c = await t.pull(2);
    expect([a.more, b.more, c.more]).toEqual([true, true, false]);
    expect([...a.messages, ...b.messages, ...c.messages].map((m) => m.cursor)).toEqual(ids);
    await expect(t.pull(0)).rejects.toThrow(RangeError);
  });

  it("acked entries never come back, to any consumer, after any idle time", async () => {
    const stream = streamKey();
    const a = transport(stream, { consumer: "a", claimIdleMs: 0 });
    const b = transport(stream, { consumer: "b", claimIdleMs: 0 });
    await a.publish([sampleEvent(), sampleEvent()]);
    const batch = await a.pull(10);
    await a.ack(batch.messages.map((m) => m.cursor));
    await sleep(20);
    expect((await b.pull(10)).messages).toEqual([]);
    expect((await a.pull(10)).messages).toEqual([]);
  });

  it("refuses a cursor that is not a stream id", async () => {
    await expect(transport(streamKey()).ack(["42"])).rejects.toThrow(/not a stream id/);
  });
});

describe("consumer groups", () => {
  it("creates the region's group on first pull, from the start of the stream", async () => {
    const stream = streamKey();
    const publisher = transport(stream, { group: "region-a" });
    const early = await publisher.publish([sampleEvent(), sampleEvent()]);
    expect(await groupsOf(stream)).toEqual([]);

    const t = transport(stream, { group: "region-c" });
    const batch = await t.pull(10);
    expect(batch.messages.map((m) => m.cursor)).toEqual(early);
    expect((await groupsOf(stream)).map((g) => g.name)).toEqual(["region-c"]);

    // A second transport object of the same region finds the group (BUSYGROUP tolerated).
    const again = transport(stream, { group: "region-c", consumer: "other" });
    const late = await publisher.publish([sampleEvent()]);
    expect((await again.pull(10)).messages.map((m) => m.cursor)).toEqual(late);
    expect((await groupsOf(stream)).map((g) => g.name)).toEqual(["region-c"]);
  });

  it("creates the group on a stream that does not exist yet", async () => {
    const stream = streamKey();
    const t = transport(stream);
    expect(await t.pull(10)).toEqual({ messages: [], more: false, trimmed: [] });
    const ids = await transport(stream, { group: "region-a" }).publish([sampleEvent()]);
    expect((await t.pull(10)).messages.map((m) => m.cursor)).toEqual(ids);
  });

  it('newGroupStart "end" skips what was published before the group existed', async () => {
    const stream = streamKey();
    const publisher = transport(stream, { group: "region-a" });
    await publisher.publish([sampleEvent()]);
    const t = transport(stream, { group: "region-d", newGroupStart: "end" });
    expect((await t.health()).lagEvents).toBe(0);
    expect((await t.pull(10)).messages).toEqual([]);
    const ids = await publisher.publish([sampleEvent()]);
    expect((await t.pull(10)).messages.map((m) => m.cursor)).toEqual(ids);
  });

  it("every region (group) gets every event", async () => {
    const stream = streamKey();
    const regions = ["region-a", "region-b", "region-c"].map((group) =>
      transport(stream, { group }),
    );
    const events = Array.from({ length: 7 }, () => sampleEvent());
    await regions[0]?.publish(events.slice(0, 4));
    await regions[1]?.publish(events.slice(4));
    const expected = events.map((e) => JSON.stringify(e));
    for (const region of regions) expect(await drain(region, 3)).toEqual(expected);
  });

  it("two consumers of one region split the entries between them", async () => {
    const stream = streamKey();
    const a = transport(stream, { consumer: "isolate-a" });
    const b = transport(stream, { consumer: "isolate-b" });
    const ids = await a.publish(Array.from({ length: 6 }, () => sampleEvent()));
    const fromA = await a.pull(3);
    const fromB = await b.pull(10);
    expect(fromA.messages).toHaveLength(3);
    expect(fromB.messages).toHaveLength(3);
    const seen = [...fromA.messages, ...fromB.messages].map((m) => m.cursor);
    expect(seen).toEqual(ids);
    await a.ack(fromA.messages.map((m) => m.cursor));
    await b.ack(fromB.messages.map((m) => m.cursor));
    expect((await a.health()).lagEvents).toBe(0);
  });
});

describe("redelivery after a consumer dies", () => {
  it("entries a consumer never acked go to another consumer of the region once idle", async () => {
    const stream = streamKey();
    // Long enough that the survivor's first pull surely comes before it, even on a busy machine.
    const claimIdleMs = 400;
    const crashed = transport(stream, { consumer: "crashed", claimIdleMs });
    const survivor = transport(stream, { consumer: "survivor", claimIdleMs });
    const ids = await crashed.publish([sampleEvent(), sampleEvent(), sampleEvent()]);
    const lost = await crashed.pull(10); // received, never acked: the isolate "dies" here
    expect(lost.messages.map((m) => m.cursor)).toEqual(ids);

    // Not idle long enough yet: the survivor gets nothing, the entries stay pending.
    expect((await survivor.pull(10)).messages).toEqual([]);
    expect(await survivor.health()).toMatchObject({ pending: 3, lagEvents: 3 });

    await sleep(claimIdleMs + 50);
    const reclaimed = await survivor.pull(10);
    expect(reclaimed.messages.map((m) => m.cursor)).toEqual(ids);
    expect(reclaimed.messages.map((m) => m.body)).toEqual(lost.messages.map((m) => m.body));
    for (const m of reclaimed.messages) expect(m.deliveries).toBeGreaterThanOrEqual(2);

    await survivor.ack(ids);
    expect(await survivor.health()).toMatchObject({
      pending: 0,
      lagEvents: 0,
      oldestUnackedAt: null,
    });
    await sleep(claimIdleMs + 50);
    expect((await survivor.pull(10)).messages).toEqual([]);
    expect((await crashed.pull(10)).messages).toEqual([]);
  });

  it("counts every delivery, and reclaims before reading new entries", async () => {
    const stream = streamKey();
    const t = transport(stream, { consumer: "only", claimIdleMs: 50 });
    const [first] = await t.publish([sampleEvent()]);
    await t.pull(10); // delivery 1, not acked (the apply failed)
    await sleep(80);
    const [second] = await t.publish([sampleEvent()]);
    const batch = await t.pull(10);
    expect(batch.messages.map((m) => [m.cursor, m.deliveries])).toEqual([
      [first, 2],
      [second, 1],
    ]);
    await sleep(80);
    const third = await t.pull(10);
    expect(third.messages.map((m) => [m.cursor, m.deliveries])).toEqual([
      [first, 3],
      [second, 2],
    ]);
    await t.ack([first ?? "", second ?? ""]);
  });

  it("reports pending entries that retention trimmed before anyone acked them", async () => {
    const stream = streamKey();
    const crashed = transport(stream, { consumer: "crashed", retentionEvents: 5 });
    const lostIds = await crashed.publish([sampleEvent(), sampleEvent()]);
    await crashed.pull(2);
    for (let i = 0; i < 4; i++) {
      await crashed.publish(Array.from({ length: 100 }, () => sampleEvent({ payload: {} })));
    }
    const survivor = transport(stream, { consumer: "survivor", claimIdleMs: 0 });
    const batch = await survivor.pull(10);
    expect(batch.trimmed).toEqual(lostIds);
    expect(batch.messages.map((m) => m.cursor)).not.toContain(lostIds[0]);
  });
});

describe("retention", () => {
  it("trims the stream to about retentionEvents (MAXLEN ~)", async () => {
    const stream = streamKey();
    const t = transport(stream, { retentionEvents: 10 });
    for (let i = 0; i < 6; i++) {
      await t.publish(Array.from({ length: 50 }, () => sampleEvent()));
    }
    const length = (await client().exec(["XLEN", stream])) as number;
    // `~` trims whole radix-tree nodes only (stream-node-max-entries, 100 by default).
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThanOrEqual(10 + 100);
    expect(length).toBeLessThan(300);
  });

  it("health shows a region that fell behind retention", async () => {
    const stream = streamKey();
    const t = transport(stream, { retentionEvents: 5 });
    await t.publish([sampleEvent()]);
    await t.ack((await t.pull(1)).messages.map((m) => m.cursor));
    for (let i = 0; i < 4; i++) {
      await t.publish(Array.from({ length: 100 }, () => sampleEvent({ payload: {} })));
    }
    const health = await t.health();
    expect(health.streamLength).toBeLessThan(400);
    expect(health.lagEvents).toBe(health.streamLength);
    expect(health.trimmedUnread).toBe(400 - health.streamLength);
    // Once it has read everything, Redis' lag stays inflated (7.0); health does not.
    await drain(t, 500);
    expect(await t.health()).toMatchObject({
      lagEvents: 0,
      trimmedUnread: 0,
      oldestUnackedAt: null,
    });
  });
});

describe("replaySince", () => {
  it("returns entries at or after a time, pages with after, and leaves the group alone", async () => {
    const stream = streamKey();
    const t = transport(stream, { consumer: "c1" });
    const old = await t.publish([sampleEvent(), sampleEvent()]);
    await t.pull(1); // one pending, one unread: a group state replay must not move
    await sleep(5);
    const since = Date.now();
    await sleep(5);
    const recent = await t.publish([sampleEvent(), sampleEvent(), sampleEvent()]);
    const groupBefore = await groupsOf(stream);
    const healthBefore = await t.health();

    const all = await t.replaySince(0, { limit: 100 });
    expect(all.messages.map((m) => m.cursor)).toEqual([...old, ...recent]);
    expect(all.more).toBe(false);

    const page1 = await t.replaySince(since, { limit: 2 });
    expect(page1.messages.map((m) => m.cursor)).toEqual(recent.slice(0, 2));
    expect(page1.more).toBe(true);
    const page2 = await t.replaySince(since, { limit: 2, after: page1.messages[1]?.cursor });
    expect(page2.messages.map((m) => m.cursor)).toEqual(recent.slice(2));
    expect(page2.more).toBe(false);
    // `after` older than `since` does not reach back before since.
    const clamped = await t.replaySince(since, { after: old[0] });
    expect(clamped.messages.map((m) => m.cursor)).toEqual(recent);
    expect(page1.messages[0]?.body).toBe(all.messages[2]?.body);
    expect((await t.replaySince(Date.now() + 60_000)).messages).toEqual([]);

    expect(await groupsOf(stream)).toEqual(groupBefore);
    const healthAfter = await t.health();
    expect(healthAfter).toMatchObject({
      lagEvents: healthBefore.lagEvents,
      pending: healthBefore.pending,
      oldestUnackedAt: healthBefore.oldestUnackedAt,
    });
    expect(healthAfter.lagEvents).toBe(5);
  });

  it("replays garbage entries too, and refuses a bad after", async () => {
    const stream = streamKey();
    await client().exec(["XADD", stream, "*", "event", "not json"]);
    const replay = await transport(stream).replaySince(0);
    expect(replay.messages.map((m) => m.body)).toEqual(["not json"]);
    await expect(transport(stream).replaySince(0, { after: "nope" })).rejects.toThrow(TypeError);
  });
});

describe("health", () => {
  it("reports lag, pending, oldest unacked and last event", async () => {
    const stream = streamKey();
    const t = transport(stream);
    expect(await t.health()).toMatchObject({
      backend: "redis",
      reachable: true,
      lagEvents: 0,
      oldestUnackedAt: null,
      lastEventAt: null,
      streamLength: 0,
    });
    const ids = await t.publish([1, 2, 3, 4, 5].map(() => sampleEvent()));
    const ms = ids.map(streamIdMs);
    // No group yet: everything is waiting for this region.
    expect(await t.health()).toMatchObject({
      lagEvents: 5,
      pending: 0,
      oldestUnackedAt: ms[0],
      lastEventAt: ms[4],
      streamLength: 5,
    });
    const batch = await t.pull(2);
    expect(await t.health()).toMatchObject({ lagEvents: 5, pending: 2, oldestUnackedAt: ms[0] });
    await t.ack([batch.messages[0]?.cursor ?? ""]);
    expect(await t.health()).toMatchObject({ lagEvents: 4, pending: 1, oldestUnackedAt: ms[1] });
    await t.ack([batch.messages[1]?.cursor ?? ""]);
    expect(await t.health()).toMatchObject({ lagEvents: 3, pending: 0, oldestUnackedAt: ms[2] });
    await drain(t);
    const done = await t.health();
    expect(done).toMatchObject({
      lagEvents: 0,
      pending: 0,
      oldestUnackedAt: null,
      lastEventAt: ms[4],
    });
    expect(done.latencyMs).toBeGreaterThanOrEqual(0);
    expect(done.error).toBeUndefined();
  });

  it("says unreachable (does not throw) when the endpoint is down", async () => {
    const t = createRedisTransport({
      redis: { url: CLOSED_ENDPOINT, token: "x", retries: 0 },
      stream: streamKey(),
      group: "region-b",
    });
    const health = await t.health();
    expect(health).toMatchObject({ backend: "redis", reachable: false, lagEvents: 0 });
    expect(health.error).toMatch(/fetch failed|ECONNREFUSED|connect/i);
    await expect(t.pull(1)).rejects.toThrow();
  });

  it("gives up after healthTimeoutMs while the client is still retrying", async () => {
    const t = createRedisTransport({
      redis: { url: CLOSED_ENDPOINT, token: "x" }, // default retries: ~4 s of backoff
      stream: streamKey(),
      group: "region-b",
      healthTimeoutMs: 300,
    });
    const started = Date.now();
    const health = await t.health();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(health).toMatchObject({ reachable: false, error: "no answer within 300 ms" });
  });

  it("says unreachable on a wrong token", async () => {
    const t = createRedisTransport({
      redis: { url: endpoint().url, token: "wrong", retries: 0 },
      stream: streamKey(),
      group: "region-b",
    });
    expect(await t.health()).toMatchObject({
      reachable: false,
      error: expect.stringMatching(/Unauthorized/),
    });
  });
});

describe("entries that are not events", () => {
  it("are delivered as they are, never crash the pull, and can be acked", async () => {
    const stream = streamKey();
    const redis = client();
    const t = transport(stream);
    const [good] = await t.publish([sampleEvent()]);
    const raw = async (...fields: string[]) =>
      (await redis.exec(["XADD", stream, "*", ...fields])) as string;
    const garbage = await raw("event", "not json {");
    const noField = await raw("other", "x");
    const numberLike = await raw("event", "123");
    const empty = await raw("event", "");
    const batch = await t.pull(10);
    expect(batch.messages.map((m) => [m.cursor, m.body])).toEqual([
      [good, expect.stringMatching(/^\{"v":1,/)],
      [garbage, "not json {"],
      [noField, ""],
      [numberLike, "123"],
      [empty, ""],
    ]);
    await t.ack(batch.messages.map((m) => m.cursor));
    expect((await t.health()).lagEvents).toBe(0);
  });
});

describe("clients", () => {
  it("refuses a client that JSON-parses replies", () => {
    const parsing = new NodeRedis({ ...endpoint(), enableTelemetry: false });
    expect(() => createRedisTransport({ redis: parsing, stream: streamKey(), group: "g" })).toThrow(
      /automaticDeserialization: false/,
    );
  });

  it("works with the Node entry point's client and with auto-pipelining", async () => {
    const stream = streamKey();
    const nodeClient = new NodeRedis({
      ...endpoint(),
      automaticDeserialization: false,
      enableTelemetry: false,
      enableAutoPipelining: true,
    });
    const viaNode = createRedisTransport({ redis: nodeClient, stream, group: "region-a" });
    const viaAuto = createRedisTransport({
      redis: createRedisClient({ ...endpoint(), enableAutoPipelining: true }),
      stream,
      group: "region-b",
    });
    const event = sampleEvent({ entity_id: "007" });
    const ids = await viaNode.publish([event]);
    for (const t of [viaNode, viaAuto]) {
      const [pulled, health] = await Promise.all([t.pull(5), t.health()]);
      expect(health.reachable).toBe(true);
      expect(pulled.messages.map((m) => [m.cursor, m.body])).toEqual([
        [ids[0], JSON.stringify(event)],
      ]);
      await t.ack(ids);
    }
  });

  it("checks its options", () => {
    const redis = client();
    expect(() => createRedisTransport({ redis, stream: "", group: "g" })).toThrow(TypeError);
    expect(() =>
      createRedisTransport({ redis, stream: "s", group: "g", retentionEvents: 0 }),
    ).toThrow(RangeError);
    expect(() => createRedisTransport({ redis, stream: "s", group: "g", claimIdleMs: -1 })).toThrow(
      RangeError,
    );
  });
});

describe("pruneConsumers", () => {
  it("deletes idle consumers without pending entries, and only those", async () => {
    const stream = streamKey();
    const done = transport(stream, { consumer: "done" });
    const busy = transport(stream, { consumer: "busy" });
    await done.publish([sampleEvent(), sampleEvent(), sampleEvent()]);
    await done.ack((await done.pull(1)).messages.map((m) => m.cursor));
    await busy.pull(1); // keeps one pending
    await sleep(300);
    const fresh = transport(stream, { consumer: "fresh" });
    await fresh.ack((await fresh.pull(1)).messages.map((m) => m.cursor)); // just active
    expect(await fresh.pruneConsumers(250)).toEqual(["done"]);
    const consumers = (await client().exec([
      "XINFO",
      "CONSUMERS",
      stream,
      "region-b",
    ])) as unknown[][];
    expect(consumers.map((c) => c[1]).sort()).toEqual(["busy", "fresh"]);
    expect(await transport(streamKey()).pruneConsumers(0)).toEqual([]); // no stream, no group
  });

  it("maintain() keeps consumers active within the last day", async () => {
    const stream = streamKey();
    const live = transport(stream, { consumer: "live" });
    await live.publish([sampleEvent()]);
    await live.ack((await live.pull(1)).messages.map((m) => m.cursor));
    expect(await live.maintain()).toBe("pruned 0 idle consumers");
  });
});
