/**
 * `@upstash/redis` against the local endpoint, with auto-pipelining on and off.
 * Shared by the Node run (client.test.ts) and the workerd run
 * (client.workers.test.ts); it touches no Node API. Every key carries a prefix
 * unique to the run: nothing shared is wiped.
 */
import type { Redis } from "@upstash/redis";
import { afterAll, describe, expect, inject, it } from "vitest";
import "../testing/provided";

export interface UpstashClientOptions {
  url: string;
  token: string;
  enableAutoPipelining: boolean;
}

/** Builds the runtime's own client (`@upstash/redis` or `@upstash/redis/cloudflare`). */
export type MakeUpstashClient = (options: UpstashClientOptions) => Redis;

export function defineUpstashClientSuite(runtime: string, makeClient: MakeUpstashClient): void {
  const prefix = `ls-test:${runtime}:${crypto.randomUUID()}`;

  // Removes this run's keys (and only those) from the shared Redis.
  afterAll(async () => {
    const { url, token } = inject("localServices").upstash;
    await deleteByPrefix(makeClient({ url, token, enableAutoPipelining: false }), prefix);
  });

  describe.each([true, false])(
    `@upstash/redis in ${runtime}, auto-pipelining %s`,
    (autoPipeline) => {
      const key = (name: string) => `${prefix}:${autoPipeline ? "ap" : "np"}:${name}`;
      const client = () => {
        const { url, token } = inject("localServices").upstash;
        return makeClient({ url, token, enableAutoPipelining: autoPipeline });
      };

      it("round-trips unicode strings", async () => {
        const redis = client();
        const text = "héllo wörld · 日本語 · 🚀 · \u0000 null byte";
        await redis.set(key("unicode"), text);
        expect(await redis.get(key("unicode"))).toBe(text);
        expect(await redis.strlen(key("unicode"))).toBe(new TextEncoder().encode(text).length);
      });

      it("keeps number-like strings as strings where JSON would change them", async () => {
        const redis = client();
        await redis.mset({
          [key("zeros")]: "00123",
          [key("plain")]: "123",
          [key("big")]: "12345678901234567890",
        });
        // "00123" is not JSON, so the client keeps the string; "123" is, so it parses.
        expect(await redis.get(key("zeros"))).toBe("00123");
        expect(await redis.get(key("plain"))).toBe(123);
        // A round trip through Number would change it, so the client keeps the string.
        expect(await redis.get(key("big"))).toBe("12345678901234567890");
        expect(await redis.mget(key("zeros"), key("plain"), key("missing"))).toEqual([
          "00123",
          123,
          null,
        ]);
      });

      it("stores JSON values", async () => {
        const redis = client();
        const value = { name: "ünï", list: [1, "two", { three: 3 }], ok: true, none: null };
        await redis.set(key("json"), value);
        expect(await redis.get(key("json"))).toEqual(value);
      });

      it("SET NX PX sets once and expires", async () => {
        const redis = client();
        expect(await redis.set(key("lock"), "a", { nx: true, px: 5_000 })).toBe("OK");
        expect(await redis.set(key("lock"), "b", { nx: true, px: 5_000 })).toBeNull();
        expect(await redis.get(key("lock"))).toBe("a");
        const ttl = await redis.pttl(key("lock"));
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(5_000);
      });

      it("INCR and INCRBY return integers", async () => {
        const redis = client();
        expect(await redis.incr(key("counter"))).toBe(1);
        expect(await redis.incrby(key("counter"), 41)).toBe(42);
        expect(await redis.decr(key("counter"))).toBe(41);
      });

      it("HSET and HGETALL", async () => {
        const redis = client();
        expect(await redis.hset(key("hash"), { a: "1", b: "x", c: "ü" })).toBe(3);
        expect(await redis.hgetall(key("hash"))).toEqual({ a: 1, b: "x", c: "ü" });
        expect(await redis.hget(key("hash"), "b")).toBe("x");
        expect(await redis.hgetall(key("no-hash"))).toBeNull();
      });

      it("streams: XADD, XRANGE, XREADGROUP, XACK, XAUTOCLAIM", async () => {
        const redis = client();
        const stream = key("stream");
        const first = await redis.xadd(stream, "*", { event: "one", n: "1" });
        const second = await redis.xadd(stream, "*", { event: "two", n: "2" });
        expect(first).toMatch(/^\d+-\d+$/);

        const range = await redis.xrange(stream, "-", "+");
        expect(Object.keys(range)).toEqual([first, second]);
        expect(range[first]).toEqual({ event: "one", n: 1 });

        expect(await redis.xgroup(stream, { type: "CREATE", group: "region-b", id: "0" })).toBe(
          "OK",
        );
        const read = (await redis.xreadgroup("region-b", "consumer-1", stream, ">")) as Array<
          [string, Array<[string, string[]]>]
        >;
        expect(read).toHaveLength(1);
        expect(read[0]?.[0]).toBe(stream);
        expect(read[0]?.[1].map(([id]) => id)).toEqual([first, second]);
        // The client JSON-parses what it can, in nested replies too: "1" → 1.
        expect(read[0]?.[1][0]?.[1]).toEqual(["event", "one", "n", 1]);

        expect(await redis.xack(stream, "region-b", first)).toBe(1);
        // The unacked entry is pending for consumer-1; a second consumer claims it.
        const claimed = (await redis.xautoclaim(stream, "region-b", "consumer-2", 0, "0-0")) as [
          string,
          Array<[string, string[]]>,
          string[],
        ];
        expect(claimed[0]).toBe("0-0");
        expect(claimed[1].map(([id]) => id)).toEqual([second]);
        expect(claimed[1][0]?.[1]).toEqual(["event", "two", "n", 2]);
        expect(claimed[2]).toEqual([]);
        expect(await redis.xack(stream, "region-b", second)).toBe(1);
      });

      it("EVAL, and createScript falls back from EVALSHA to EVAL on NOSCRIPT", async () => {
        const redis = client();
        expect(await redis.eval("return {ARGV[1], 7, {'nested', 'OK'}}", [], ["é"])).toEqual([
          "é",
          7,
          ["nested", "OK"],
        ]);
        // A script text never seen before, so the first EVALSHA gets NOSCRIPT.
        const source = `-- ${crypto.randomUUID()}\nreturn redis.call('SET', KEYS[1], ARGV[1]) and ARGV[1]`;
        const sha = await sha1Hex(source);
        const script = redis.createScript<string>(source);
        expect(await redis.scriptExists(sha)).toEqual([0]);
        expect(await script.exec([key("scripted")], ["v1"])).toBe("v1");
        // Only the EVAL fallback can have loaded it.
        expect(await redis.scriptExists(sha)).toEqual([1]);
        expect(await redis.get(key("scripted"))).toBe("v1");
        expect(await script.exec([key("scripted")], ["v2"])).toBe("v2");
      });

      it("a pipeline with a failing command reports it with keepErrors", async () => {
        const redis = client();
        const pipeline = redis.pipeline();
        pipeline.set(key("p"), "not a number");
        pipeline.incr(key("p"));
        pipeline.get(key("p"));
        const results = await pipeline.exec({ keepErrors: true });
        expect(results[0]).toEqual({ result: "OK", error: undefined });
        expect(results[1]?.error).toBe("ERR value is not an integer or out of range");
        expect(results[2]).toEqual({ result: "not a number", error: undefined });

        const failing = redis.pipeline();
        failing.incr(key("p"));
        await expect(failing.exec()).rejects.toThrow(/value is not an integer/);
      });

      it("multi-exec runs atomically and reports runtime errors per command", async () => {
        const redis = client();
        const tx = redis.multi();
        tx.set(key("tx"), "1");
        tx.incr(key("tx"));
        tx.hset(key("tx"), { f: "v" });
        tx.get(key("tx"));
        const results = await tx.exec({ keepErrors: true });
        expect(results.map((r) => r.result)).toEqual(["OK", 2, undefined, 2]);
        expect(results[2]?.error).toMatch(/^WRONGTYPE/);
      });

      it("keeps the read-your-writes sync token the endpoint sends", async () => {
        const redis = client();
        await redis.set(key("ryw"), "1");
        const first = Number(redis.readYourWritesSyncToken);
        await redis.get(key("ryw"));
        expect(first).toBeGreaterThan(0);
        expect(Number(redis.readYourWritesSyncToken)).toBeGreaterThan(first);
      });

      it("a wrong token gets 401", async () => {
        const { url } = inject("localServices").upstash;
        const redis = makeClient({ url, token: "wrong-token", enableAutoPipelining: autoPipeline });
        await expect(redis.get(key("any"))).rejects.toThrow(/Unauthorized/);
      });
    },
  );
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** SCANs for `prefix*` and deletes what it finds; bounded to 1,000 SCAN calls. */
export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  for (let round = 0; round < 1_000; round++) {
    const [next, keys] = await redis.scan(cursor, { match: `${prefix}*`, count: 500 });
    if (keys.length > 0) await redis.del(...keys);
    cursor = String(next);
    if (cursor === "0") return;
  }
}
