import {
  createKeyring,
  createLogger,
  formatHlc,
  type LogLevel,
  newEventId,
  type SyncEvent,
  signEvent,
  type TransportMessage,
} from "@memoria/sync-core";
import { afterAll, describe, expect, it } from "vitest";
import { checkMessages } from "./consume.js";
import { dropSchemas, outboxEvents, regionStore, TEST_KEYS, testPool } from "./store.testkit.js";

/**
 * What every reader of a transport does with what it read (`applyMessages`): parse,
 * verify, apply, count rejections; and, at DEBUG, one line per consumed event. The
 * messages are what a transport hands over (cursor, body, time), built here from real
 * signed events of region A's outbox.
 */

const pool = testPool();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

function messages(bodies: string[]): TransportMessage[] {
  return bodies.map((body, i) => ({
    cursor: `${i + 1}-0`,
    body,
    publishedAt: Date.now(),
    deliveries: 1,
  }));
}

function capture(level: LogLevel) {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    level,
    region: "region-b",
    sink: (line) => lines.push(JSON.parse(line)),
  });
  return { log, lines };
}

async function pair(level: LogLevel) {
  const a = await regionStore(pool, { region: "region-a" });
  const { log, lines } = capture(level);
  const b = await regionStore(pool, { region: "region-b", band: { floor: 0, ceiling: 12 }, log });
  schemas.push(a.schema, b.schema);
  return { a, b, lines };
}

async function counter(
  store: Awaited<ReturnType<typeof regionStore>>["store"],
  name: string,
  reason: string,
) {
  return (await store.counters())
    .filter((c) => c.name === name && c.labels.reason === reason)
    .reduce((sum, c) => sum + c.value, 0);
}

describe("applyMessages", () => {
  it("applies the good entries and counts the malformed and the badly signed", async () => {
    const { a, b } = await pair("INFO");
    const { memory } = await a.store.createMemory({ text: "good", y: 5 });
    const [good] = (await outboxEvents(pool, a.schema)) as SyncEvent[];
    const forgedKeys = await createKeyring({
      current: "k1",
      keys: { k1: "not-the-real-key-0123456789abcdefXYZ" },
    });
    const forged = await signEvent(
      { ...(good as SyncEvent), id: newEventId(Date.now()) },
      forgedKeys,
    );
    const { sig: _sig, ...unsigned } = good as SyncEvent;
    const report = await b.store.applyMessages(
      messages([
        JSON.stringify(good),
        "not json",
        JSON.stringify(forged),
        JSON.stringify(unsigned),
      ]),
      await createKeyring(TEST_KEYS),
    );
    expect(report).toMatchObject({ rejected: 3, apply: { applied: 1 } });
    expect(await b.store.getMemory(memory.id)).toMatchObject({ text: "good" });
    expect(await counter(b.store, "sync_invalid_events_total", "malformed")).toBe(1);
    expect(await counter(b.store, "sync_bad_signature_total", "mismatch")).toBe(1);
    expect(await counter(b.store, "sync_bad_signature_total", "missing")).toBe(1);
  });
});

describe("checkMessages", () => {
  it("verifies concurrently yet hands the events on in the order they were read", async () => {
    const keyring = await createKeyring(TEST_KEYS);
    const events = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        signEvent(
          {
            v: 1,
            id: newEventId(Date.now() + i),
            action: "memory.deleted",
            entity_type: "memory",
            entity_id: `m-${i}`,
            namespace: "prod-shared",
            origin: "region-a",
            hlc: formatHlc({ wall: Date.now() + i, counter: 0, node: "region-a" }),
            privacy: null,
            created_at: new Date().toISOString(),
          },
          keyring,
        ),
      ),
    );
    // Every third entry is refused; the rest must keep their order.
    const bodies = events.map((event, i) =>
      i % 3 === 0 ? JSON.stringify({ ...event, sig: "k1.AAAA" }) : JSON.stringify(event),
    );
    const { valid, rejections } = await checkMessages(messages(bodies), keyring);
    expect(valid.map((event) => event.entity_id)).toEqual(
      events.filter((_, i) => i % 3 !== 0).map((event) => event.entity_id),
    );
    expect(rejections).toHaveLength(14);
  });
});

describe("DEBUG lines of the apply path", () => {
  it("one line per consumed event with the receiver's decision on it", async () => {
    const { a, b, lines } = await pair("DEBUG");
    const { memory: open } = await a.store.createMemory({ text: "public", y: 5 });
    await a.store.createMemory({ text: "private", y: -12 });
    await a.store.deleteMemory(open.id);
    const events = (await outboxEvents(pool, a.schema)) as SyncEvent[];
    await b.store.applyMessages(
      messages([...events, events[0] as SyncEvent].map((e) => JSON.stringify(e))),
      await createKeyring(TEST_KEYS),
    );
    await b.store.applyMessages(messages(["{}"]), await createKeyring(TEST_KEYS));
    const consumed = lines.filter((line) => line.event === "sync.event.consumed");
    expect(consumed).toEqual([
      expect.objectContaining({
        level: "DEBUG",
        region: "region-b",
        event_id: events[0]?.id,
        action: "memory.created",
        namespace: "prod-shared",
        origin: "region-a",
        privacy: 5,
        outcome: "applied",
      }),
      expect.objectContaining({
        event_id: events[1]?.id,
        privacy: -12,
        outcome: "privacy-filtered",
      }),
      expect.objectContaining({
        event_id: events[2]?.id,
        action: "memory.deleted",
        outcome: "applied",
      }),
    ]);
    expect(lines.filter((line) => line.event === "sync.event.rejected")).toEqual([
      expect.objectContaining({ origin: "unknown", reason: "malformed" }),
    ]);
    // A second delivery of an event already applied is a duplicate.
    await b.store.applyMessages(
      messages([JSON.stringify(events[0])]),
      await createKeyring(TEST_KEYS),
    );
    expect(lines.at(-1)).toMatchObject({ event_id: events[0]?.id, outcome: "duplicate" });
  });

  it("writes nothing at INFO", async () => {
    const { a, b, lines } = await pair("INFO");
    await a.store.createMemory({ text: "public", y: 5 });
    const events = (await outboxEvents(pool, a.schema)) as SyncEvent[];
    await b.store.applyMessages(
      messages([...events.map((e) => JSON.stringify(e)), "not json"]),
      await createKeyring(TEST_KEYS),
    );
    expect(lines).toEqual([]);
  });
});
