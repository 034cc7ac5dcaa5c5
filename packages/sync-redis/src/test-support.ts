/**
 * Test helpers, shared by the Node and the workerd suites (no Node API here). Every key a
 * test writes starts with the run's prefix; `cleanUp` deletes those keys and nothing else.
 */
import "@memoria/local-services/testing/provided";
import { formatHlc, newEventId, type SyncEvent } from "@memoria/sync-core";
import { inject } from "vitest";
import { createRedisClient, type Redis, type RedisClientOptions } from "./client.js";
import { createRedisTransport, type RedisTransportOptions } from "./transport.js";

/** The Upstash endpoint the global setup put in front of the real Redis. */
export function endpoint(): { url: string; token: string } {
  return inject("localServices").upstash;
}

export function client(options: Partial<RedisClientOptions> = {}): Redis {
  return createRedisClient({ ...endpoint(), ...options });
}

/**
 * A prefix unique to one test file run: `test:<runtime>:<16 hex>` (short, so that a stream
 * key built on it still fits `sync.channel`'s 63 characters).
 */
export function runPrefix(runtime: string): string {
  return `test:${runtime}:${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

/** A stream key of its own for one test: `<prefix>:<n>:memoria-sync`. */
export function keyMaker(prefix: string): (name?: string) => string {
  let n = 0;
  return (name = "memoria-sync") => `${prefix}:${++n}:${name}`;
}

export function transport(
  stream: string,
  options: Partial<RedisTransportOptions> = {},
): ReturnType<typeof createRedisTransport> {
  return createRedisTransport({ redis: client(), stream, group: "region-b", ...options });
}

/** SCANs for `prefix*` and deletes what it finds; at most 1,000 SCAN calls. */
export async function cleanUp(prefix: string): Promise<void> {
  const redis = client();
  let cursor = "0";
  for (let round = 0; round < 1_000; round++) {
    const [next, keys] = (await redis.exec([
      "SCAN",
      cursor,
      "MATCH",
      `${prefix}*`,
      "COUNT",
      500,
    ])) as [string, string[]];
    if (keys.length > 0) await redis.exec(["DEL", ...keys]);
    cursor = String(next);
    if (cursor === "0") return;
  }
}

/** A well-formed event; tests override what they are about. */
export function sampleEvent(overrides: Partial<SyncEvent> = {}): SyncEvent {
  const wall = Date.now();
  const id = newEventId(wall);
  return {
    v: 1,
    id,
    action: "memory.created",
    entity_type: "memory",
    entity_id: `mem-${id.slice(-8)}`,
    namespace: "prod-shared",
    origin: "region-a",
    hlc: formatHlc({ wall, counter: 0, node: "region-a" }),
    privacy: 5,
    created_at: new Date(wall).toISOString(),
    payload: { text: "the sky is blue", x: 3, y: 5, z: 0 },
    ...overrides,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** XINFO GROUPS as objects, read straight from Redis (to check what a call left behind). */
export async function groupsOf(stream: string): Promise<Record<string, unknown>[]> {
  const reply = (await client().exec(["XINFO", "GROUPS", stream])) as unknown[][];
  return reply.map((flat) => {
    const group: Record<string, unknown> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) group[String(flat[i])] = flat[i + 1];
    return group;
  });
}

/** A port on 127.0.0.1 where nothing listens (tcpmux, port 1, needs root to bind). */
export const CLOSED_ENDPOINT = "http://127.0.0.1:1";
