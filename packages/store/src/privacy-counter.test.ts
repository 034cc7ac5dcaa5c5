import type { SyncEvent } from "@memoria/sync-core";
import { afterAll, describe, expect, it } from "vitest";
import type { Labels } from "./counters.js";
import { dropSchemas, outboxEvents, regionStore, testPool } from "./store.testkit.js";

/**
 * `privacy_filtered_events_total` counts both sides of the band, told apart by `side`:
 * what a publisher's own band kept local (a write outside it, published as a redaction)
 * and what a subscriber's band kept out (a peer's event stored without content, or a
 * stored copy redacted when the band tightened).
 */

const pool = testPool();
const schemas: string[] = [];
afterAll(async () => {
  await dropSchemas(pool, schemas);
  await pool.end();
});

type Store = Awaited<ReturnType<typeof regionStore>>["store"];

async function filtered(store: Store): Promise<Labels[]> {
  const rows = (await store.counters()).filter((c) => c.name === "privacy_filtered_events_total");
  return rows.flatMap((row) => Array(row.value).fill(row.labels) as Labels[]);
}

describe("privacy_filtered_events_total", () => {
  it("counts a write outside the writer's own band once, publisher side, with its redaction", async () => {
    const b = await regionStore(pool, { region: "region-b", band: { floor: 0, ceiling: 12 } });
    schemas.push(b.schema);
    const inside = await b.store.createMemory({ text: "public", y: 5 });
    expect(await filtered(b.store)).toEqual([]);

    await b.store.createMemory({ text: "private", y: -12 });
    await b.store.updateMemory(inside.memory.id, { y: 14 });
    const publisher = { origin: "region-b", side: "publisher", direction: "outbound" };
    expect(await filtered(b.store)).toEqual([publisher, publisher]);
    // Each count is a redaction that left instead of the content.
    const events = (await outboxEvents(pool, b.schema)) as SyncEvent[];
    expect(events.map((e) => e.action)).toEqual([
      "memory.created",
      "memory.redacted",
      "memory.redacted",
    ]);
    // A delete sends a tombstone (no content) whatever the y: nothing was kept back.
    await b.store.deleteMemory(inside.memory.id);
    expect(await filtered(b.store)).toHaveLength(2);
  });

  it("keeps the subscriber's series: a peer's event outside the band, and a tightened band", async () => {
    const a = await regionStore(pool, { region: "region-a" });
    const b = await regionStore(pool, { region: "region-b", band: { floor: 0, ceiling: 12 } });
    schemas.push(a.schema, b.schema);
    await a.store.createMemory({ text: "private", y: -12 });
    await a.store.createMemory({ text: "public for now", y: 10 });
    // A's full band let both out: nothing filtered on its side.
    expect(await filtered(a.store)).toEqual([]);
    await b.store.applyEvents((await outboxEvents(pool, a.schema)) as SyncEvent[]);
    expect(await filtered(b.store)).toEqual([
      { origin: "region-a", side: "subscriber", direction: "inbound" },
    ]);
    expect(await b.store.redactOutsideBand({ floor: 0, ceiling: 8 })).toBe(1);
    expect(await filtered(b.store)).toEqual([
      { origin: "region-a", side: "subscriber", direction: "band-change" },
      { origin: "region-a", side: "subscriber", direction: "inbound" },
    ]);
  });
});
