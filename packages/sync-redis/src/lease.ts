import type { LeaderLease, Lease } from "@memoria/sync-core";
import { type Redis, type RedisClientOptions, resolveClient } from "./client.js";
import { asArray, asInteger, asString } from "./reply.js";
import { lazyScript } from "./script.js";
import { nonEmpty, positiveInteger } from "./validate.js";

export interface RedisLeaseOptions {
  /** A client from `createRedisClient`, or where to connect. */
  redis: Redis | RedisClientOptions;
  /** Key that holds `<holder>|<token>` while the lease is held, with a PX expiry. */
  key: string;
  /**
   * Counter the fencing tokens come from (INCR; no expiry, never reset by this code).
   * @default `<key>:fence`
   */
  fenceKey?: string;
}

export interface RedisLease extends LeaderLease {
  readonly key: string;
  readonly fenceKey: string;
}

// Each operation is one Lua script, so the check and the change cannot interleave with
// another holder's. KEYS[1] lease key, KEYS[2] fence counter. The value is
// `<holder>|<token>`; the holder is whatever precedes the last `|`.

/** ARGV holder, ttl. Free → new token; ours → same token, new expiry; another's → nil. */
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then
  local holder, token = string.match(current, '^(.*)|(%d+)$')
  if holder ~= ARGV[1] then return false end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(token)
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. string.format('%d', token), 'PX', ARGV[2])
return token
`;

/** ARGV holder, token, ttl. 1 when still ours (holder and token both match), else 0. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] .. '|' .. ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0
`;

/** ARGV holder, token. 1 when it was ours and is now free, else 0. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] .. '|' .. ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

/** ARGV holder, ttl. Always takes it, always with a new token. */
const SEIZE = `
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. string.format('%d', token), 'PX', ARGV[2])
return token
`;

/** nil when free, else { value, pttl } read atomically. */
const CURRENT = `
local current = redis.call('GET', KEYS[1])
if not current then return false end
return { current, redis.call('PTTL', KEYS[1]) }
`;

/**
 * `LeaderLease` on one Redis key (DESIGN §4.7): `SET … PX` semantics with a fencing token
 * from a separate counter that only grows, so a token is never handed out twice even when
 * the lease key expires or is deleted.
 *
 * `expiresAt` is computed on our clock from the moment the request was *sent*, so it is
 * never later than the real expiry on Redis: a holder that stops work at `expiresAt` has
 * stopped before anyone else can acquire.
 */
export function createRedisLease(options: RedisLeaseOptions): RedisLease {
  const redis = resolveClient(options.redis);
  const key = nonEmpty(options.key, "key");
  const fenceKey = nonEmpty(options.fenceKey ?? `${key}:fence`, "fenceKey");
  if (fenceKey === key) throw new TypeError("fenceKey must differ from key");
  const keys = [key, fenceKey];
  const acquireScript = lazyScript(redis, ACQUIRE);
  const renewScript = lazyScript(redis, RENEW);
  const releaseScript = lazyScript(redis, RELEASE);
  const seizeScript = lazyScript(redis, SEIZE);
  const currentScript = lazyScript(redis, CURRENT);

  return {
    key,
    fenceKey,

    async acquire(holder: string, ttlMs: number): Promise<Lease | null> {
      const who = nonEmpty(holder, "holder");
      const ttl = positiveInteger(ttlMs, "ttlMs");
      const sent = Date.now();
      const token = await acquireScript.exec(keys, [who, String(ttl)]);
      if (token === null) return null;
      return { holder: who, token: asInteger(token, "lease token"), expiresAt: sent + ttl };
    },

    async renew(lease: Lease, ttlMs: number): Promise<Lease | null> {
      const ttl = positiveInteger(ttlMs, "ttlMs");
      const sent = Date.now();
      const renewed = await renewScript.exec(keys, [
        lease.holder,
        String(lease.token),
        String(ttl),
      ]);
      return renewed === 1 ? { ...lease, expiresAt: sent + ttl } : null;
    },

    async release(lease: Lease): Promise<boolean> {
      return (await releaseScript.exec(keys, [lease.holder, String(lease.token)])) === 1;
    },

    async seize(holder: string, ttlMs: number): Promise<Lease> {
      const who = nonEmpty(holder, "holder");
      const ttl = positiveInteger(ttlMs, "ttlMs");
      const sent = Date.now();
      const token = asInteger(await seizeScript.exec(keys, [who, String(ttl)]), "lease token");
      return { holder: who, token, expiresAt: sent + ttl };
    },

    async current(): Promise<Lease | null> {
      const sent = Date.now();
      const reply = await currentScript.exec(keys, []);
      return reply === null ? null : leaseFrom(reply, sent, key);
    },
  };
}

/** The CURRENT script's `{ value, pttl }` as a lease; `null` when it expired meanwhile. */
function leaseFrom(reply: unknown, sent: number, key: string): Lease | null {
  const [value, pttl] = asArray(reply, "lease");
  const remaining = asInteger(pttl, "PTTL");
  if (remaining === -2) return null; // gone
  const text = asString(value, "lease value");
  const cut = text.lastIndexOf("|");
  const token = text.slice(cut + 1);
  if (cut < 0 || !/^\d+$/.test(token)) {
    throw new TypeError(`lease key ${key} holds ${JSON.stringify(text)}, not holder|token`);
  }
  return {
    holder: text.slice(0, cut),
    token: Number(token),
    // -1: the key has no expiry (not set by this code); it is held until someone releases it.
    expiresAt: remaining === -1 ? Number.MAX_SAFE_INTEGER : sent + remaining,
  };
}
