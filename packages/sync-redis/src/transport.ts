import type {
  SyncEvent,
  SyncTransport,
  TransportBatch,
  TransportHealth,
  TransportMessage,
} from "@memoria/sync-core";

import { type Redis, type RedisClientOptions, resolveClient } from "./client.js";
import { asArray, asInteger, asOptionalString, asString, describeError } from "./reply.js";
import { type LuaScript, lazyScript } from "./script.js";
import { compareStreamIds, isStreamId, streamIdMs } from "./stream-id.js";
import { EXTENT_SCRIPT, HEALTH_SCRIPT, PRUNE_SCRIPT, PULL_SCRIPT } from "./transport-scripts.js";
import { nonEmpty, nonNegativeInteger, positiveInteger } from "./validate.js";

export interface RedisTransportOptions {
  /**
   * A client from `createRedisClient` (or any `@upstash/redis` client built with
   * `automaticDeserialization: false`; others are refused), or where to connect.
   */
  redis: Redis | RedisClientOptions;
  /** Stream key: the channel. Config `sync.channel`, used verbatim. */
  stream: string;
  /** Consumer group: this region's id (config `region.id`). Each region has its own. */
  group: string;
  /**
   * This consumer's name inside the group; one per isolate or process, so that entries a
   * dead one left pending are claimed by a live one.
   * @default `c-<random>`, new for every transport object
   */
  consumer?: string;
  /** Approximate number of entries the stream keeps (`XADD … MAXLEN ~`). Config `sync.retention_events`. @default 1000000 */
  retentionEvents?: number;
  /** A pending entry whose consumer has been silent this long is claimed by the next pull. @default 30000 */
  claimIdleMs?: number;
  /**
   * Where a group this transport creates starts. `"beginning"` (id `0`) delivers every
   * entry still in the stream, including those published before this region ever pulled,
   * so a region that joins or first starts late loses nothing the stream still holds;
   * apply is idempotent, so old entries cost time, never correctness. `"end"` (`$`) skips
   * the backlog (for a region seeded from a snapshot).
   * @default "beginning"
   */
  newGroupStart?: "beginning" | "end";
  /** `health()` reports `reachable: false` when the probe has not answered after this long. @default 5000 */
  healthTimeoutMs?: number;
  /** Entry field that holds the event JSON. @default "event" */
  bodyField?: string;
}

/** A pull's batch plus what only Redis can tell. */
export interface RedisTransportBatch extends TransportBatch {
  /**
   * Ids that were pending (received, never acked) but trimmed from the stream by retention
   * before anyone acked them: XAUTOCLAIM dropped them from the group. They are lost to this
   * region; count them.
   */
  trimmed: string[];
}

export interface RedisTransportHealth extends TransportHealth {
  backend: "redis";
  /** Entries in the stream now (XLEN). */
  streamLength: number;
  /** Entries delivered to a consumer of this region and not acked yet. */
  pending: number;
  /**
   * Entries this region had not read when retention trimmed them: lost to it. Known only
   * while the group's position is older than the stream's first entry; 0 otherwise.
   */
  trimmedUnread: number;
}

export interface RedisTransport extends SyncTransport {
  readonly backend: "redis";
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  pull(limit: number): Promise<RedisTransportBatch>;
  health(): Promise<RedisTransportHealth>;
  /**
   * Deletes consumers of this region's group that hold no pending entries and have been
   * idle longer than `idleMs` (isolates come and go; each leaves a consumer behind).
   * Returns their names. Never deletes one with pending entries.
   */
  pruneConsumers(idleMs: number): Promise<string[]>;
  /** Periodic upkeep for the gateway's cron: drops consumers idle a day with nothing pending (dead isolates). */
  maintain(): Promise<string>;
}

export const DEFAULT_RETENTION_EVENTS = 1_000_000;
/** Consumers (isolates) idle this long with nothing pending are dropped by `maintain()`. */
export const CONSUMER_IDLE_PRUNE_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_CLAIM_IDLE_MS = 30_000;
export const DEFAULT_HEALTH_TIMEOUT_MS = 5_000;
export const DEFAULT_BODY_FIELD = "event";
/** Default and largest page of `replaySince`. */
export const DEFAULT_REPLAY_LIMIT = 100;
export const MAX_PAGE = 10_000;

/** `SyncTransport` over one Redis stream with one consumer group per region (DESIGN §5). */
export function createRedisTransport(options: RedisTransportOptions): RedisTransport {
  const stream = streamOf(options);
  const pruneScript = lazyScript(stream.redis, PRUNE_SCRIPT);
  const pruneConsumers = async (idleMs: number): Promise<string[]> => {
    const idle = nonNegativeInteger(idleMs, "idleMs");
    const reply = await pruneScript.exec([stream.key], [stream.group, String(idle)]);
    return asArray(reply, "prune").map((name) => asString(name, "consumer name"));
  };
  return {
    backend: "redis",
    stream: stream.key,
    group: stream.group,
    consumer: stream.consumer,
    publish: (events) => publish(stream, events),
    pull: (limit) => pull(stream, limit),
    ack: (cursors) => ack(stream, cursors),
    replaySince: (sinceMs, replayOptions) => replaySince(stream, sinceMs, replayOptions),
    countSince: (sinceMs) => countSince(stream, sinceMs),
    health: () => probeHealth(stream),
    pruneConsumers,
    async maintain(): Promise<string> {
      const removed = await pruneConsumers(CONSUMER_IDLE_PRUNE_MS);
      return `pruned ${removed.length} idle consumers`;
    },
  };
}

/** One transport's stream, group and settings, checked once. */
interface Stream {
  redis: Redis;
  key: string;
  group: string;
  consumer: string;
  retention: number;
  claimIdleMs: number;
  healthTimeoutMs: number;
  field: string;
  startId: "0" | "$";
  pullScript: Script;
  healthScript: Script;
  extentScript: Script;
  /**
   * Where the next XAUTOCLAIM scan resumes. Only an optimisation: a new isolate starts
   * at 0-0 and the scan wraps around to 0-0 by itself.
   */
  claimCursor: string;
}

type Script = LuaScript;

function streamOf(options: RedisTransportOptions): Stream {
  const redis = resolveClient(options.redis);
  return {
    redis,
    key: nonEmpty(options.stream, "stream"),
    group: nonEmpty(options.group, "group"),
    consumer: nonEmpty(options.consumer ?? `c-${crypto.randomUUID()}`, "consumer"),
    retention: positiveInteger(
      options.retentionEvents ?? DEFAULT_RETENTION_EVENTS,
      "retentionEvents",
    ),
    claimIdleMs: nonNegativeInteger(options.claimIdleMs ?? DEFAULT_CLAIM_IDLE_MS, "claimIdleMs"),
    healthTimeoutMs: positiveInteger(
      options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
      "healthTimeoutMs",
    ),
    field: nonEmpty(options.bodyField ?? DEFAULT_BODY_FIELD, "bodyField"),
    startId: (options.newGroupStart ?? "beginning") === "beginning" ? "0" : "$",
    pullScript: lazyScript(redis, PULL_SCRIPT),
    healthScript: lazyScript(redis, HEALTH_SCRIPT),
    extentScript: lazyScript(redis, EXTENT_SCRIPT),
    claimCursor: "0-0",
  };
}

function message(id: unknown, body: unknown, deliveries: unknown): TransportMessage {
  const cursor = asString(id, "stream id");
  return {
    cursor,
    // A missing field or a non-string reads as "": the consumer fails to parse it,
    // counts it and acks it, instead of the transport choking on it.
    body: typeof body === "string" ? body : "",
    publishedAt: streamIdMs(cursor),
    deliveries: asInteger(deliveries, "deliveries"),
  };
}

async function publish(s: Stream, events: readonly SyncEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  // MULTI/EXEC in one request: the batch lands whole, in order, not interleaved with
  // another publisher's, or not at all.
  const tx = s.redis.multi();
  for (const event of events) {
    tx.xadd(
      s.key,
      "*",
      { [s.field]: JSON.stringify(event) },
      { trim: { type: "MAXLEN", comparison: "~", threshold: s.retention } },
    );
  }
  const ids = await tx.exec<unknown[]>();
  return ids.map((id) => {
    const text = asString(id, "XADD reply");
    if (!isStreamId(text)) throw new TypeError(`XADD answered ${JSON.stringify(text)}`);
    return text;
  });
}

async function pull(s: Stream, limit: number): Promise<RedisTransportBatch> {
  const count = Math.min(positiveInteger(limit, "limit"), MAX_PAGE);
  const reply = asArray(
    await s.pullScript.exec(
      [s.key],
      [
        s.group,
        s.consumer,
        String(count),
        String(s.claimIdleMs),
        s.claimCursor,
        s.startId,
        s.field,
      ],
    ),
    "pull reply",
  );
  const next = asString(reply[0], "claim cursor");
  s.claimCursor = isStreamId(next) ? next : "0-0";
  const flat = asArray(reply[3], "pull entries");
  const messages: TransportMessage[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    messages.push(message(flat[i], flat[i + 1], flat[i + 2]));
  }
  return {
    messages,
    more: reply[1] === 1,
    trimmed: asArray(reply[2] ?? [], "trimmed ids").map((id) => asString(id, "trimmed id")),
  };
}

async function ack(s: Stream, cursors: readonly string[]): Promise<void> {
  if (cursors.length === 0) return;
  for (const cursor of cursors) {
    if (!isStreamId(cursor)) throw new TypeError(`not a stream id: ${JSON.stringify(cursor)}`);
  }
  await s.redis.exec(["XACK", s.key, s.group, ...cursors]);
}

async function replaySince(
  s: Stream,
  sinceMs: number,
  options: { after?: string; limit?: number } = {},
): Promise<TransportBatch> {
  if (!Number.isFinite(sinceMs)) throw new RangeError("sinceMs must be a finite number");
  const limit = Math.min(positiveInteger(options.limit ?? DEFAULT_REPLAY_LIMIT, "limit"), MAX_PAGE);
  const since = `${Math.max(0, Math.floor(sinceMs))}-0`;
  const after = options.after;
  if (after !== undefined && !isStreamId(after)) {
    throw new TypeError(`after: not a stream id: ${JSON.stringify(after)}`);
  }
  // `after` continues a page (exclusive); it never reaches back before `sinceMs`.
  const start = after !== undefined && compareStreamIds(after, since) >= 0 ? `(${after}` : since;
  // XRANGE reads the stream only: no group, no pending list, no cursor is touched.
  const entries = asArray(
    await s.redis.exec(["XRANGE", s.key, start, "+", "COUNT", limit + 1]),
    "XRANGE reply",
  );
  const messages = entries.slice(0, limit).map((raw) => {
    const [id, fields] = asArray(raw, "XRANGE entry");
    return message(id, bodyOf(fields, s.field), 1);
  });
  return { messages, more: entries.length > limit };
}

/**
 * Entries at or after `sinceMs`, from the stream's length and the times of its ends (one
 * round trip, O(1)): exact when `sinceMs` is outside them, else interpolated as if the
 * entries were spread evenly in time; counting exactly would read every entry.
 */
async function countSince(s: Stream, sinceMs: number): Promise<{ count: number; exact: boolean }> {
  if (!Number.isFinite(sinceMs)) throw new RangeError("sinceMs must be a finite number");
  const reply = asArray(await s.extentScript.exec([s.key], []), "extent reply");
  const length = asInteger(reply[0], "stream length");
  if (length === 0) return { count: 0, exact: true };
  const first = streamIdMs(asString(reply[1], "first id"));
  const last = streamIdMs(asString(reply[2], "last id"));
  if (sinceMs <= first) return { count: length, exact: true };
  if (sinceMs > last) return { count: 0, exact: true };
  const share = (last - sinceMs + 1) / (last - first + 1);
  return { count: Math.max(1, Math.round(length * share)), exact: false };
}

/** Never throws: no answer within `healthTimeoutMs`, or an error, is `reachable: false`. */
async function probeHealth(s: Stream): Promise<RedisTransportHealth> {
  const started = Date.now();
  const probe = s.healthScript.exec([s.key], [s.group]);
  // The loser of the race must not become an unhandled rejection.
  probe.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${s.healthTimeoutMs} ms`)),
      s.healthTimeoutMs,
    );
  });
  try {
    const reply = asArray(await Promise.race([probe, timeout]), "health reply");
    return { ...readHealth(reply, s.startId), latencyMs: Date.now() - started };
  } catch (error) {
    return {
      ...EMPTY_HEALTH,
      reachable: false,
      latencyMs: Date.now() - started,
      error: describeError(error),
    };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

const EMPTY_HEALTH = {
  backend: "redis" as const,
  lagEvents: 0,
  oldestUnackedAt: null,
  lastEventAt: null,
  streamLength: 0,
  pending: 0,
  trimmedUnread: 0,
};

function readHealth(reply: unknown[], startId: "0" | "$"): Omit<RedisTransportHealth, "latencyMs"> {
  const base = { backend: "redis" as const, reachable: true, trimmedUnread: 0 };
  if (reply[0] === 0) return { ...EMPTY_HEALTH, reachable: true };
  const length = asInteger(reply[1], "XLEN");
  const firstId = asOptionalString(reply[2], "first id");
  const lastId = asOptionalString(reply[3], "last id");
  const lastEventAt = lastId === null ? null : streamIdMs(lastId);
  if (reply[4] === 0) {
    // No group yet: it will be created on the first pull, at the start or at the end.
    const fromStart = startId === "0";
    return {
      ...base,
      lagEvents: fromStart ? length : 0,
      oldestUnackedAt: fromStart && firstId !== null ? streamIdMs(firstId) : null,
      lastEventAt,
      streamLength: length,
      pending: 0,
    };
  }
  const pending = asInteger(reply[5], "pending");
  const redisLag = reply[6] === null || reply[6] === undefined ? null : asInteger(reply[6], "lag");
  const delivered = asString(reply[7], "last-delivered-id");
  const oldestPending = asOptionalString(reply[8], "oldest pending id");
  const firstUnread = asOptionalString(reply[9], "first undelivered id");
  const behindHead = firstId !== null && compareStreamIds(delivered, firstId) < 0;

  // Unread entries. Redis' lag counts entries trimmed before the group read them and keeps
  // counting them after it has read past the gap (7.0), so it is only an upper bound:
  // nothing after our position means 0; a position before the first entry means every
  // entry is unread; otherwise Redis' lag, capped by the stream's length (when Redis
  // cannot tell, lag is nil, the cap alone).
  let unread: number;
  if (firstUnread === null) unread = 0;
  else if (behindHead) unread = length;
  else unread = Math.min(redisLag ?? length, length);

  const oldest = oldestPending ?? firstUnread;
  return {
    ...base,
    lagEvents: pending + unread,
    oldestUnackedAt: oldest === null ? null : streamIdMs(oldest),
    lastEventAt,
    streamLength: length,
    pending,
    trimmedUnread: behindHead && redisLag !== null ? Math.max(0, redisLag - length) : 0,
  };
}

function bodyOf(fields: unknown, field: string): string | null {
  if (!Array.isArray(fields)) return null;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === field) {
      const value: unknown = fields[i + 1];
      return typeof value === "string" ? value : null;
    }
  }
  return null;
}
