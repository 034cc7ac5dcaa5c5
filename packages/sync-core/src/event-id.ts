/**
 * Event ids: UUIDv7 (RFC 9562) — a millisecond timestamp followed by randomness, so ids
 * sort roughly by creation time and are unique without coordination. ULIDs from other
 * producers are accepted too.
 */

export const UUID_V7_PATTERN =
  /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export function isEventId(id: string): boolean {
  return UUID_V7_PATTERN.test(id) || ULID_PATTERN.test(id);
}

/** A fresh UUIDv7 for `timeMs` (now by default). */
export function newEventId(timeMs: number = Date.now()): string {
  const random = new Uint8Array(10);
  crypto.getRandomValues(random);
  return uuidV7(timeMs, random);
}

/**
 * A UUIDv7 whose random bits come from `seed` instead of a random source: the same
 * input always gives the same id, so an event re-delivered without an id of its own
 * (the Python original's) still deduplicates.
 */
export function deterministicEventId(timeMs: number, seed: string): string {
  return uuidV7(timeMs, hashBytes(seed, 10));
}

function uuidV7(timeMs: number, random: Uint8Array): string {
  if (!Number.isSafeInteger(timeMs) || timeMs < 0 || timeMs >= 2 ** 48) {
    throw new RangeError(`UUIDv7 time must be 0..2^48 ms, got ${timeMs}`);
  }
  const bytes = new Uint8Array(16);
  let t = timeMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  bytes.set(random.subarray(0, 10), 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `count` bytes from independent 32-bit FNV-1a lanes over the UTF-8 of `text`. Not cryptographic. */
function hashBytes(text: string, count: number): Uint8Array {
  const data = new TextEncoder().encode(text);
  const out = new Uint8Array(count);
  for (let lane = 0; lane * 4 < count; lane++) {
    let h = (0x811c9dc5 ^ Math.imul(lane + 1, 0x9e3779b1)) >>> 0;
    for (const byte of data) {
      h ^= byte;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    for (let i = 0; i < 4 && lane * 4 + i < count; i++) out[lane * 4 + i] = (h >>> (8 * i)) & 0xff;
  }
  return out;
}
