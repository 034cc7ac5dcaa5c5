// `@upstash/redis/cloudflare` only needs `fetch` and WebCrypto, so the same client runs in
// workerd and in Node (≥ 18). The package root (`@upstash/redis`) is the Node flavour: it
// reads `process` and sets `cache: "no-store"` on every fetch.
import { Redis } from "@upstash/redis/cloudflare";

export { Redis };

/** How to reach an Upstash REST endpoint. */
export interface RedisClientOptions {
  /** The REST URL (`https://….upstash.io`; locally `http://127.0.0.1:<port>`). Config `sync.connection_url`. */
  url: string;
  /** The REST token. Config `sync.token`. */
  token: string;
  /**
   * Retries of a request that failed on the network (never of one Redis answered with an
   * error), with the client's backoff (50 ms · e^n). `0` passes `retry: false`, with which
   * @upstash/redis 1.39 still tries twice, back to back (its loop runs `attempts + 1` times).
   * @default 5 (the client's own default; ~4.3 s before an unreachable endpoint fails)
   */
  retries?: number;
  /**
   * Batch concurrent commands into one `/pipeline` request. Off by default so each
   * operation here is the round trip it says it is.
   * @default false
   */
  enableAutoPipelining?: boolean;
  /** Base of the retry backoff: a retry waits `backoffMs · e^n`. @default 50 (the client's) */
  backoffMs?: number;
  /** Each command gives up after this long, its retries included (an `AbortSignal` per request). */
  timeoutMs?: number;
  /** Later commands of this client see its earlier writes (Upstash sync token). @default true */
  readYourWrites?: boolean;
  /** HTTP keep-alive on the REST requests. @default true */
  keepAlive?: boolean;
  /** Logs each command's round trip (the client writes to the console). @default false */
  latencyLogging?: boolean;
  /** Sends Upstash's SDK telemetry headers. @default false */
  enableTelemetry?: boolean;
}

/**
 * A client as this package needs it: `automaticDeserialization: false`, so stream bodies
 * come back as the exact strings that were written (the default JSON-parses them:
 * `"123"` → `123`), and no telemetry headers unless asked.
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  const timeoutMs = options.timeoutMs;
  return new Redis({
    url: options.url,
    token: options.token,
    automaticDeserialization: false,
    enableTelemetry: options.enableTelemetry ?? false,
    enableAutoPipelining: options.enableAutoPipelining ?? false,
    ...(options.readYourWrites === undefined ? {} : { readYourWrites: options.readYourWrites }),
    ...(options.keepAlive === undefined ? {} : { keepAlive: options.keepAlive }),
    ...(options.latencyLogging === undefined ? {} : { latencyLogging: options.latencyLogging }),
    // A function: the client asks for a fresh signal per request, so the clock starts then.
    ...(timeoutMs === undefined ? {} : { signal: () => AbortSignal.timeout(timeoutMs) }),
    ...retryConfig(options),
  });
}

function retryConfig(options: RedisClientOptions) {
  if (options.retries !== undefined && options.retries <= 0) return { retry: false as const };
  if (options.retries === undefined && options.backoffMs === undefined) return {};
  const base = options.backoffMs;
  return {
    retry: {
      ...(options.retries === undefined ? {} : { retries: options.retries }),
      ...(base === undefined ? {} : { backoff: (n: number) => Math.exp(n) * base }),
    },
  };
}

/**
 * Accepts a client built by the caller only when it returns raw strings. Bodies must come
 * back byte for byte, and a client that JSON-parses replies cannot promise that, so a
 * wrongly built client fails here, loudly, instead of corrupting numbers later.
 */
export function requireRawClient(redis: Redis): Redis {
  // `opts` is the protected field where @upstash/redis keeps its RedisOptions; reading it
  // is the only way to see how the client was built (1.39: `this.opts = opts`).
  const opts = (redis as unknown as { opts?: { automaticDeserialization?: boolean } }).opts;
  if (opts?.automaticDeserialization !== false) {
    throw new TypeError(
      "@memoria/sync-redis needs a Redis client built with automaticDeserialization: false " +
        "(use createRedisClient); the default JSON-parses stream bodies",
    );
  }
  return redis;
}

/** A caller's client (checked) or a new one from connection options. */
export function resolveClient(redis: Redis | RedisClientOptions): Redis {
  return redis instanceof Redis || isRedisLike(redis)
    ? requireRawClient(redis as Redis)
    : createRedisClient(redis);
}

// A client from another copy or entry point of @upstash/redis (`@upstash/redis` vs
// `/cloudflare`) is not an instance of this module's class, but it works the same.
function isRedisLike(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { pipeline?: unknown }).pipeline === "function" &&
    typeof (value as { createScript?: unknown }).createScript === "function"
  );
}
