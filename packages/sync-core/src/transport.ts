import type { SyncBackend } from "./backend.js";
import type { SyncEvent } from "./event.js";

/**
 * The one contract between a gateway and whatever carries its events (DESIGN §5). The
 * gateway never learns which transport it has: Redis Streams over Upstash REST, or the
 * Postgres journal over Neon. Types only; each backend package implements it and exports
 * a `SyncBackendDescriptor` (`backend.ts`) that the registry, `@memoria/transports`, lists.
 *
 * Delivery is at least once. Each region consumes through its own durable cursor, owned
 * by the transport (a Redis consumer group, a cursor row in Postgres), so a region that
 * was down resumes where it stopped, and an entry delivered to a consumer that died
 * before acking is delivered again.
 */

/** One event as the transport holds it: the JSON text exactly as published. */
export interface TransportMessage {
  /** Position in the channel (Redis stream id `1732212345678-0`, journal `<txid>:<id>`). */
  cursor: string;
  /** The event's JSON; the consumer parses and verifies it, so bad ones can be counted. */
  body: string;
  /** When the transport accepted it (ms since epoch). */
  publishedAt: number;
  /** How many times this entry has been handed to a consumer of this region, this one included. */
  deliveries: number;
}

export interface TransportBatch {
  messages: TransportMessage[];
  /** True when more entries were ready than the limit allowed. */
  more: boolean;
}

export interface TransportHealth {
  backend: SyncBackend;
  reachable: boolean;
  /** Round trip of the health probe. */
  latencyMs: number;
  /** Entries this region has not acked yet (pending plus unread). */
  lagEvents: number;
  /** Publish time of the oldest entry not yet acked, if any. */
  oldestUnackedAt: number | null;
  /** Publish time of the newest entry in the channel, if any. */
  lastEventAt: number | null;
  error?: string;
}

export interface SyncTransport {
  readonly backend: SyncBackend;
  /** Appends events in order; resolves once they are durable on the transport. Returns their cursors. */
  publish(events: readonly SyncEvent[]): Promise<string[]>;
  /**
   * The next entries for this region, from its durable cursor: first any that an earlier
   * consumer received but never acked (once idle for the transport's `claimIdleMs`), then
   * new ones, oldest first.
   */
  pull(limit: number): Promise<TransportBatch>;
  /** Marks entries applied. Call only after the apply transaction has committed. */
  ack(cursors: readonly string[]): Promise<void>;
  /** Entries published at or after `sinceMs`, oldest first, without moving any cursor (catch-up, drills). */
  replaySince(
    sinceMs: number,
    options?: { after?: string; limit?: number },
  ): Promise<TransportBatch>;
  /**
   * About how many entries were published at or after `sinceMs`, when the transport can
   * tell cheaply (an indexed count, the stream's length and ends): for a catch-up's
   * progress and ETA, never for correctness. `exact: false` when it is an interpolation.
   */
  countSince?(sinceMs: number): Promise<{ count: number; exact: boolean }>;
  health(): Promise<TransportHealth>;
  /**
   * Periodic upkeep, run from the gateway's cron: retention of the Postgres journal,
   * dropping consumers dead isolates left in a Redis group. Returns what it did.
   */
  maintain(): Promise<string>;
}

/** A held leader lease. The fencing token grows with every new holder and never repeats. */
export interface Lease {
  holder: string;
  token: number;
  expiresAt: number;
}

/**
 * Leader election by lease (`SET NX PX` in Redis, one row in Postgres). Only the holder
 * may renew or release. Work done under a lease carries its token, and whoever records
 * the work refuses a token lower than one it has seen, so a paused ex-leader cannot act.
 */
export interface LeaderLease {
  /** Takes the lease if free or expired (or already ours); `null` when another holds it. */
  acquire(holder: string, ttlMs: number): Promise<Lease | null>;
  /** Extends our lease; `null` when we lost it. Keeps the token. */
  renew(lease: Lease, ttlMs: number): Promise<Lease | null>;
  /** Gives it up; false when it was no longer ours. */
  release(lease: Lease): Promise<boolean>;
  /** Takes the lease even from a live holder (`/admin/promote`), with a new token. */
  seize(holder: string, ttlMs: number): Promise<Lease>;
  /** Who holds it now, if anyone (expired leases read as `null`). */
  current(): Promise<Lease | null>;
}
