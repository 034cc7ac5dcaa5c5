/**
 * The Upstash endpoint on the wire, with plain fetch: status codes, encodings
 * and shapes that @upstash/redis relies on but does not show.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "@upstash/redis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startRedisServer } from "../launcher/redis-server";
import "../testing/provided";
import { deleteByPrefix } from "./client-suite";
import { startUpstashEndpoint } from "./endpoint";

const prefix = `ls-test:raw:${randomUUID()}`;
const key = (name: string) => `${prefix}:${name}`;

afterAll(async () => {
  const { url, token } = inject("localServices").upstash;
  await deleteByPrefix(new Redis({ url, token }), prefix);
});

async function call(
  path: string,
  body: unknown,
  init: { token?: string | null; base64?: boolean; method?: string; rawBody?: string } = {},
) {
  const { url, token } = inject("localServices").upstash;
  const headers: Record<string, string> = { "content-type": "application/json" };
  const bearer = init.token === undefined ? token : init.token;
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  if (init.base64) headers["upstash-encoding"] = "base64";
  const method = init.method ?? "POST";
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(method === "GET" ? {} : { body: init.rawBody ?? JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as unknown, headers: res.headers };
}

describe("authorization", () => {
  it("answers 401 to a missing or wrong token, and accepts ?_token=", async () => {
    expect(await call("/", ["PING"], { token: null })).toMatchObject({
      status: 401,
      json: { error: "Unauthorized" },
    });
    expect((await call("/", ["PING"], { token: "nope" })).status).toBe(401);
    const { url, token } = inject("localServices").upstash;
    const res = await fetch(`${url}/ping?_token=${token}`);
    expect(await res.json()).toEqual({ result: "PONG" });
  });
});

describe("POST /", () => {
  it("answers {result}, with base64 strings except OK", async () => {
    expect(await call("/", ["SET", key("ok"), "OK"], { base64: true })).toMatchObject({
      status: 200,
      text: '{"result":"OK"}',
    });
    expect((await call("/", ["PING"], { base64: true })).text).toBe('{"result":"UE9ORw=="}');
    expect((await call("/", ["GET", key("missing")], { base64: true })).text).toBe(
      '{"result":null}',
    );
  });

  it("passes raw bytes through base64 exactly", async () => {
    const res = await call("/", ["EVAL", "return string.char(0, 255, 128)", "0"], { base64: true });
    expect(res.json).toEqual({ result: "AP+A" });
  });

  it("keeps big integers digit for digit", async () => {
    await call("/", ["SET", key("big"), "9007199254740992"]);
    const res = await call("/", ["INCRBY", key("big"), 1]);
    expect(res.text).toBe('{"result":9007199254740993}');
  });

  it("stringifies number arguments", async () => {
    await call("/", ["SET", key("num"), 12.5]);
    expect((await call("/", ["GET", key("num")])).json).toEqual({ result: "12.5" });
    expect((await call("/", ["INCRBYFLOAT", key("num"), 0.25])).json).toEqual({ result: "12.75" });
  });

  it("returns HGETALL as the flat array Redis sends", async () => {
    await call("/", ["HSET", key("h"), "a", "1", "b", "ü"]);
    expect((await call("/", ["HGETALL", key("h")])).json).toEqual({ result: ["a", "1", "b", "ü"] });
    expect((await call("/", ["HGETALL", key("h")], { base64: true })).json).toEqual({
      result: ["YQ==", "MQ==", "Yg==", "w7w="],
    });
  });

  it("answers a Redis error with 400 and its text unchanged", async () => {
    const res = await call("/", ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"]);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: "NOSCRIPT No matching script. Please use EVAL." });
  });

  it("refuses blocking and connection-state commands", async () => {
    expect((await call("/", ["BLPOP", key("l"), "0"])).json).toEqual({
      error: "ERR Command is not available: 'blpop'",
    });
    expect((await call("/", ["XREAD", "BLOCK", "0", "STREAMS", key("s"), "$"])).status).toBe(400);
    expect((await call("/", ["SELECT", "1"])).status).toBe(400);
  });

  it("answers a malformed body with 400", async () => {
    expect(await call("/", null, { rawBody: "{not json" })).toMatchObject({
      status: 400,
      json: { error: "ERR failed to parse command" },
    });
    expect((await call("/", { command: "GET" })).status).toBe(400);
    expect((await call("/pipeline", [], {})).status).toBe(400);
    expect((await call("/pipeline", null, { method: "GET" })).status).toBe(405);
  });

  it("sends an upstash-sync-token that only grows", async () => {
    const first = Number((await call("/", ["PING"])).headers.get("upstash-sync-token"));
    const second = Number((await call("/", ["PING"])).headers.get("upstash-sync-token"));
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
  });
});

describe("path form", () => {
  it("takes the command from the path, and a POST body as the last argument", async () => {
    const { url, token } = inject("localServices").upstash;
    const auth = { authorization: `Bearer ${token}` };
    const k = encodeURIComponent(key("path/with slash"));
    expect(await (await fetch(`${url}/set/${k}/v1`, { headers: auth })).json()).toEqual({
      result: "OK",
    });
    expect(
      await (
        await fetch(`${url}/append/${k}`, { method: "POST", headers: auth, body: " and more" })
      ).json(),
    ).toEqual({ result: 11 });
    expect(await (await fetch(`${url}/get/${k}`, { headers: auth })).json()).toEqual({
      result: "v1 and more",
    });
  });
});

describe("POST /pipeline", () => {
  it("answers one {result} or {error} per command, in order", async () => {
    const res = await call("/pipeline", [
      ["SET", key("p"), "x"],
      ["INCR", key("p")],
      ["BLPOP", key("p"), "1"],
      ["GET", key("p")],
    ]);
    expect(res.status).toBe(200);
    expect(res.json).toEqual([
      { result: "OK" },
      { error: "ERR value is not an integer or out of range" },
      { error: "ERR Command is not available: 'blpop'" },
      { result: "x" },
    ]);
  });
});

describe("POST /multi-exec", () => {
  it("runs the commands atomically with runtime errors per command", async () => {
    const res = await call(
      "/multi-exec",
      [
        ["SET", key("m"), "1"],
        ["HSET", key("m"), "f", "v"],
        ["INCR", key("m")],
      ],
      { base64: true },
    );
    expect(res.json).toEqual([
      { result: "OK" },
      { error: "WRONGTYPE Operation against a key holding the wrong kind of value" },
      { result: 2 },
    ]);
  });

  it("aborts the whole transaction on a queueing error (EXECABORT), changing nothing", async () => {
    const res = await call("/multi-exec", [
      ["SET", key("aborted"), "1"],
      ["SET", key("aborted")],
    ]);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: "EXECABORT Transaction discarded because of previous errors.",
    });
    expect((await call("/", ["EXISTS", key("aborted")])).json).toEqual({ result: 0 });
  });

  it("refuses a transaction holding a refused command", async () => {
    const res = await call("/multi-exec", [["WATCH", key("w")]]);
    expect(res).toMatchObject({
      status: 400,
      json: { error: "ERR Command is not available: 'watch'" },
    });
  });

  it("keeps concurrent transactions apart", async () => {
    const counter = key("concurrent");
    const runs = await Promise.all(
      Array.from({ length: 20 }, () =>
        call("/multi-exec", [
          ["INCR", counter],
          ["INCR", counter],
        ]),
      ),
    );
    const pairs = runs.map((run) => (run.json as Array<{ result: number }>).map((r) => r.result));
    // Each transaction's two increments are adjacent: nothing interleaved.
    for (const [a, b] of pairs) expect(b).toBe((a ?? 0) + 1);
    expect((await call("/", ["GET", counter])).json).toEqual({ result: "40" });
  });
});

describe("Redis going away", () => {
  it("answers 503 while Redis is down and recovers when it is back", async () => {
    const redis = await startRedisServer();
    const endpoint = await startUpstashEndpoint({ redisUrl: redis.url, token: "t" });
    const send = async (command: unknown[]) => {
      const res = await fetch(endpoint.url, {
        method: "POST",
        headers: { authorization: "Bearer t" },
        body: JSON.stringify(command),
      });
      return { status: res.status, json: (await res.json()) as unknown };
    };
    try {
      expect(await send(["SET", "k", "v"])).toEqual({ status: 200, json: { result: "OK" } });
      await redis.stop();
      const down = await send(["GET", "k"]);
      expect(down.status).toBe(503);
      expect(down.json).toMatchObject({
        error: expect.stringMatching(/^ERR Redis is unavailable/),
      });
      const again = await startRedisServer({ port: redis.port });
      try {
        // The client reconnects in the background (at most 1 s between tries).
        let status = 0;
        for (let i = 0; i < 60 && status !== 200; i++) {
          status = (await send(["PING"])).status;
          if (status !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        expect(status).toBe(200);
      } finally {
        await again.stop();
      }
    } finally {
      await endpoint.close();
      await redis.stop();
    }
  });
});
