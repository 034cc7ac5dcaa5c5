import { z } from "zod";

/**
 * What the regional store can hold and give back unchanged, as one rule for every input
 * (API bodies, query parameters, event payloads from peers). A value outside it would
 * fail in Postgres (a 500 to the client, or an event that never applies), so the edge
 * refuses it first and names the field.
 */

/** Why a text is refused; the same words wherever the rule applies. */
export const UNSTORABLE_TEXT = "must not contain NUL (U+0000) or unpaired surrogates";

// With the `u` flag a class of surrogates matches only unpaired ones: a valid pair is one code point.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Postgres `text` and `jsonb` cannot hold U+0000, and an unpaired surrogate is not UTF-8 at all. */
export function isStorableText(text: string): boolean {
  return !text.includes("\u0000") && !LONE_SURROGATE.test(text);
}

/** A string rule that also refuses what the store cannot hold (apply it last, after `max`…). */
export function storableText<T extends z.ZodString>(rule: T): T {
  return rule.refine(isStorableText, { error: UNSTORABLE_TEXT });
}

/**
 * Times the store keeps and reads back as the same ISO string: years 0001 to 9999, in UTC.
 * Postgres has no year 0, and past 9999 JavaScript writes `+010000-…`, which no ISO-8601
 * rule (ours or a peer's) reads back.
 */
export const EARLIEST_TIME_MS = Date.parse("0001-01-01T00:00:00.000Z");
export const LATEST_TIME_MS = Date.parse("9999-12-31T23:59:59.999Z");
export const TIME_RANGE = "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z";

/** True for an instant (ms since the epoch) the store can hold; false for NaN and the infinities. */
export function isStorableTime(ms: number): boolean {
  return Number.isFinite(ms) && ms >= EARLIEST_TIME_MS && ms <= LATEST_TIME_MS;
}

/** An ISO-8601 time with an offset (or Z), inside the store's range once in UTC. */
export const storableTime = z.iso
  .datetime({ offset: true, error: "must be an ISO-8601 time" })
  .refine((iso) => isStorableTime(Date.parse(iso)), { error: TIME_RANGE });

/** Reported at most this many times per value: a body full of NULs needs one answer, not thousands. */
const MAX_REPORTED = 20;

interface Visit {
  value: unknown;
  key: PropertyKey | null;
  parent: Visit | null;
}

function pathOf(visit: Visit): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at: Visit | null = visit; at?.key != null; at = at.parent) path.push(at.key);
  return path.reverse();
}

/** A string (or an object key) the store cannot hold, and where it is. */
export interface UnstorableText {
  path: PropertyKey[];
  message: string;
}

/**
 * Every string (and object key) in a JSON-like value that the store cannot hold, each with
 * its path (`["symbolic_anchors", 2]`). Walks without recursion, so a deeply nested body
 * cannot overflow the stack.
 */
export function unstorableText(value: unknown): UnstorableText[] {
  const found: UnstorableText[] = [];
  const stack: Visit[] = [{ value, key: null, parent: null }];
  while (stack.length > 0 && found.length < MAX_REPORTED) {
    const visit = stack.pop() as Visit;
    const { value: current, key } = visit;
    if (typeof key === "string" && !isStorableText(key))
      found.push({ path: pathOf(visit), message: `name ${UNSTORABLE_TEXT}` });
    if (typeof current === "string") {
      if (!isStorableText(current)) found.push({ path: pathOf(visit), message: UNSTORABLE_TEXT });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--)
        stack.push({ value: current[i], key: i, parent: visit });
    } else if (typeof current === "object" && current !== null) {
      for (const [name, item] of Object.entries(current).reverse())
        stack.push({ value: item, key: name, parent: visit });
    }
  }
  return found;
}
