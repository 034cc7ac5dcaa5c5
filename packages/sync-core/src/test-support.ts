import type { SyncEvent } from "./event.js";
import { newEventId } from "./event-id.js";
import { formatHlc } from "./hlc.js";

/** A valid memory event; tests override what they are about. */
export function memoryEvent(overrides: Partial<SyncEvent> = {}): SyncEvent {
  const wall = Date.UTC(2026, 10, 21, 12, 0, 0);
  return {
    v: 1,
    id: newEventId(wall),
    action: "memory.created",
    entity_type: "memory",
    entity_id: "mem-1",
    namespace: "prod-shared",
    origin: "region-a",
    hlc: formatHlc({ wall, counter: 0, node: "region-a" }),
    privacy: 5,
    created_at: new Date(wall).toISOString(),
    payload: { id: "mem-1", text: "the sky is blue", x: 3, y: 5, z: 0 },
    ...overrides,
  };
}
