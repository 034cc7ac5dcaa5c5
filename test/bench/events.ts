/** Signed memory.created events of one namespace, as a publishing region would make them. */
import {
  formatHlc,
  HybridClock,
  type Keyring,
  newEventId,
  type SyncEvent,
  signEvent,
  type UnsignedSyncEvent,
} from "@memoria/sync-core";

/** Signatures computed at once (WebCrypto HMAC is asynchronous; one at a time leaves it idle). */
const SIGN_AT_ONCE = 256;

function unsigned(clock: HybridClock, namespace: string, i: number): UnsignedSyncEvent {
  const hlc = clock.now();
  const memoryId = newEventId(hlc.wall);
  const at = new Date(hlc.wall).toISOString();
  return {
    v: 1,
    id: newEventId(hlc.wall),
    action: "memory.created",
    entity_type: "memory",
    entity_id: memoryId,
    namespace,
    origin: "bench-pub",
    hlc: formatHlc(hlc),
    privacy: 5,
    created_at: at,
    payload: {
      id: memoryId,
      namespace,
      text: `benchmark memory ${i}: a sentence or two of text, as agents store them`,
      anchor: "bench",
      tokens: 16,
      timestamp: at,
      x: i % 30,
      y: 5,
      z: 0,
      symbolic_anchors: ["bench"],
      team: null,
    },
  };
}

/** `count` distinct signed events, numbered from `first`, in HLC order. */
export async function makeEvents(
  keyring: Keyring,
  namespace: string,
  count: number,
  first = 0,
): Promise<SyncEvent[]> {
  const clock = new HybridClock({ node: "bench-pub" });
  const events: SyncEvent[] = [];
  for (let i = 0; i < count; i += SIGN_AT_ONCE) {
    const drafts = [];
    for (let j = i; j < Math.min(count, i + SIGN_AT_ONCE); j++)
      drafts.push(unsigned(clock, namespace, first + j));
    events.push(...(await Promise.all(drafts.map((draft) => signEvent(draft, keyring)))));
  }
  return events;
}
