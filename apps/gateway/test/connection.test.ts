import { Agent, request } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningRegion } from "../local/region.js";
import { API_KEY, call, type Regions, startRegions } from "./harness.js";

/**
 * The gateway over real HTTP (workerd on a loopback port): a body the runtime cannot frame
 * is a 400 problem naming `(body)`, and an early answer (401, 403, 404, 413, 415 …) leaves
 * the keep-alive connection usable for the next request, as a router's pool needs.
 */

let regions: Regions;
let a: RunningRegion;
let readKey: string;
beforeAll(async () => {
  regions = await startRegions({ backend: "redis" });
  a = regions.region("region-a");
  const made = await call(a, "/admin/keys", {
    method: "POST",
    json: { scopes: ["read"], name: "connection-test" },
  });
  readKey = ((await made.json()) as { secret: string }).secret;
});
afterAll(async () => {
  await regions?.stop();
});

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/** Writes `bytes` on a fresh TCP connection, optionally half-closes, and reads until the server closes. */
function exchange(url: string, bytes: string, halfClose = false): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within 15 s; got: ${Buffer.concat(chunks)}`));
    }, 15_000);
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", body = ""] = text.split("\r\n\r\n", 2);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body });
    });
    socket.write(bytes, () => {
      if (halfClose) socket.end();
    });
  });
}

const head = (lines: string[]) => `${lines.join("\r\n")}\r\n\r\n`;
const postMemory = (framing: string) =>
  head([
    "POST /memory HTTP/1.1",
    "host: gateway.test",
    `x-api-key: ${API_KEY}`,
    "content-type: application/json",
    framing,
    "connection: close",
  ]);

function expectBodyProblem(answer: RawAnswer) {
  expect(answer.status).toBe(400);
  expect(answer.headers.toLowerCase()).toContain("content-type: application/problem+json");
  expect(JSON.parse(answer.body)).toMatchObject({
    status: 400,
    errors: [{ field: "(body)", message: "malformed or truncated" }],
  });
}

describe("a body the runtime cannot frame", () => {
  it("a chunk size that is not hex is a 400 problem naming (body)", async () => {
    const answer = await exchange(
      a.url,
      `${postMemory("transfer-encoding: chunked")}zz\r\n{"text":"a","y":1}\r\n0\r\n\r\n`,
    );
    expectBodyProblem(answer);
  });

  it("a chunk cut short by the end of the stream is a 400", async () => {
    const answer = await exchange(
      a.url,
      `${postMemory("transfer-encoding: chunked")}40\r\n{"text":"a","y":1}`,
      true,
    );
    expectBodyProblem(answer);
  });

  it("fewer bytes than Content-Length, then the end of the stream, is a 400", async () => {
    const answer = await exchange(a.url, `${postMemory("content-length: 100")}{"text":"a"`, true);
    expectBodyProblem(answer);
  });

  it("nothing of it is stored", async () => {
    const list = (await (await call(a, "/memory?limit=200")).json()) as {
      items: unknown[];
    };
    expect(list.items).toEqual([]);
  });
});

interface Sent {
  status: number;
  reused: boolean;
  contentType: string | undefined;
}

/** One request on `agent` (keep-alive, one socket): its status and whether it reused the socket. */
function send(
  agent: Agent,
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  chunked = false,
): Promise<Sent> {
  const { hostname, port } = new URL(url);
  const framing: Record<string, string> =
    body === undefined
      ? {}
      : chunked
        ? { "transfer-encoding": "chunked" }
        : { "content-length": String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: hostname, port, method, path, headers: { ...headers, ...framing } },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            reused: req.reusedSocket,
            contentType: res.headers["content-type"],
          }),
        );
      },
    );
    req.on("error", reject);
    // Written in pieces, as a client streaming a body does (chunked framing sends one each).
    if (body !== undefined)
      for (let i = 0; i < body.length; i += 32_768) req.write(body.slice(i, i + 32_768));
    req.end();
  });
}

describe("early answers leave the connection usable", () => {
  const json = { "content-type": "application/json" };
  const body = (size: number) => JSON.stringify({ text: "x".repeat(size), y: 1 });
  const cases: Array<[string, number, string, string, Record<string, string>, () => string]> = [
    ["no key", 401, "POST", "/memory", json, () => body(200_000)],
    [
      "a key without the scope",
      403,
      "POST",
      "/memory",
      { ...json, "x-api-key": "READ" },
      () => body(200_000),
    ],
    [
      "no such route",
      404,
      "POST",
      "/nowhere",
      { ...json, "x-api-key": API_KEY },
      () => body(200_000),
    ],
    [
      "no such method",
      404,
      "PATCH",
      "/memory",
      { ...json, "x-api-key": API_KEY },
      () => body(1_000),
    ],
    [
      "a bad id",
      400,
      "PUT",
      "/memory/not-an-id",
      { ...json, "x-api-key": API_KEY },
      () => body(200_000),
    ],
    [
      "a body over the limit",
      413,
      "POST",
      "/memory",
      { ...json, "x-api-key": API_KEY },
      () => body(400_000),
    ],
    [
      "the wrong content type",
      415,
      "POST",
      "/memory",
      { "content-type": "text/plain", "x-api-key": API_KEY },
      () => body(100_000),
    ],
    ["a GET with a body, no key", 401, "GET", "/memory", json, () => body(50_000)],
  ];
  for (const [name, status, method, path, headers, makeBody] of cases) {
    for (const chunked of [false, true]) {
      it(`${name} (${status}, ${chunked ? "chunked" : "Content-Length"}), then a good request on the same socket`, async () => {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          const sent = Object.fromEntries(
            Object.entries(headers).map(([k, v]) => [k, v === "READ" ? readKey : v]),
          );
          const refused = await send(agent, a.url, method, path, sent, makeBody(), chunked);
          expect(refused.status).toBe(status);
          expect(refused.contentType).toBe("application/problem+json");
          const good = await send(
            agent,
            a.url,
            "POST",
            "/memory",
            { ...json, "x-api-key": API_KEY },
            JSON.stringify({ text: `after ${name}`, y: 1 }),
          );
          expect(good.status).toBe(201);
          expect(good.reused).toBe(true);
        } finally {
          agent.destroy();
        }
      });
    }
  }
});
