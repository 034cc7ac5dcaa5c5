import { createKeyring, HybridClock, type SyncEvent } from "@memoria/sync-core";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createStore, type Store } from "./store.js";
import {
  dropSchemas,
  seededRandom,
  shuffle,
  TEST_KEYS,
  testPool,
  uniqueName,
} from "./store.testkit.js";

/**
 * Convergence on the real store: random histories of creates, updates (privacy changes
 * included), deletes and decrements written in two regions, with partial deliveries
 * along the way and then everything delivered both ways, shuffled and duplicated. The
 * two stores must agree on every memory both bands allow, and B (band 0..12) must hold
 * nothing outside its band.
 */

const pool = testPool();
const schemaA = uniqueName("st_conv_a");
const schemaB = uniqueName("st_conv_b");
const BAND_B = { floor: 0, ceiling: 12 };

beforeAll(async () => {
  // Migrate once; each run then works in a namespace of its own.
  for (const schema of [schemaA, schemaB])
    await makeStore(schema, "region-x", "setup", BAND_B).migrate();
});
afterAll(async () => {
  await dropSchemas(pool, [schemaA, schemaB]);
  await pool.end();
});

let keyring: Awaited<ReturnType<typeof createKeyring>>;
function makeStore(
  schema: string,
  region: string,
  namespace: string,
  band: { floor: number; ceiling: number },
): Store {
  return createStore({
    pool,
    schema,
    region,
    namespace,
    band,
    keyring,
    clock: new HybridClock({ node: region }),
  });
}

type Side = "a" | "b";
const opArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("create" as const),
      side: fc.constantFrom<Side>("a", "b"),
      y: fc.integer({ min: -15, max: 15 }),
      x: fc.integer({ min: 0, max: 30 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("update" as const),
      side: fc.constantFrom<Side>("a", "b"),
      pick: fc.nat(),
      y: fc.option(fc.integer({ min: -15, max: 15 })),
      x: fc.option(fc.integer({ min: 0, max: 30 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("delete" as const),
      side: fc.constantFrom<Side>("a", "b"),
      pick: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("decrement" as const),
      side: fc.constantFrom<Side>("a", "b"),
      day: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("sync" as const),
      from: fc.constantFrom<Side>("a", "b"),
      take: fc.integer({ min: 0, max: 5 }),
    }),
  },
);

async function outbox(schema: string, namespace: string): Promise<SyncEvent[]> {
  const { rows } = await pool.query(`select body from "${schema}".outbox order by seq`);
  return rows
    .map((row) => JSON.parse(row.body as string) as SyncEvent)
    .filter((event) => event.namespace === namespace);
}

async function visible(store: Store, band: { floor: number; ceiling: number }) {
  const page = await store.listMemories({ limit: 1000, yMin: band.floor, yMax: band.ceiling });
  return page.items
    .map(({ id, text, x, y, z, team, anchor, tokens, timestamp, symbolic_anchors, hlc }) => ({
      id,
      text,
      x,
      y,
      z,
      team,
      anchor,
      tokens,
      timestamp,
      symbolic_anchors,
      hlc,
    }))
    .sort((p, q) => (p.id < q.id ? -1 : 1));
}

it("two regions end with identical stores on what both bands allow", async () => {
  keyring = await createKeyring(TEST_KEYS);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 4, maxLength: 18 }),
      fc.integer(),
      async (ops, seed) => {
        run += 1;
        const namespace = `conv-${run}-${crypto.randomUUID().slice(0, 8)}`;
        const stores = {
          a: makeStore(schemaA, "region-a", namespace, { floor: -15, ceiling: 15 }),
          b: makeStore(schemaB, "region-b", namespace, BAND_B),
        };
        const schemaOf = { a: schemaA, b: schemaB };
        const delivered = { a: 0, b: 0 };
        const rng = seededRandom(seed);

        for (const step of ops) {
          if (step.op === "sync") {
            const events = await outbox(schemaOf[step.from], namespace);
            const upto = Math.min(events.length, delivered[step.from] + step.take);
            const batch = events.slice(delivered[step.from], upto);
            delivered[step.from] = upto;
            await stores[step.from === "a" ? "b" : "a"].applyEvents(
              shuffle([...batch, ...batch.filter(() => rng() < 0.3)], rng),
            );
            continue;
          }
          const store = stores[step.side];
          if (step.op === "create") {
            await store.createMemory({
              text: `${step.side}-${step.y}-${step.x}`,
              y: step.y,
              x: step.x,
            });
          } else if (step.op === "decrement") {
            await store.runDecrement(`2026-11-2${step.day}`, 1);
          } else {
            const live = (await store.listMemories({ limit: 1000 })).items;
            const target = live[step.pick % Math.max(1, live.length)];
            if (!target) continue;
            if (step.op === "delete") await store.deleteMemory(target.id);
            else
              await store.updateMemory(target.id, {
                text: `${target.text}+`,
                ...(step.y !== null ? { y: step.y } : {}),
                ...(step.x !== null ? { x: step.x } : {}),
              });
          }
        }

        // Everything, both ways, shuffled, in a few batches, with duplicates.
        for (const [from, to] of [
          ["a", "b"],
          ["b", "a"],
        ] as const) {
          const events = await outbox(schemaOf[from], namespace);
          const all = shuffle([...events, ...events.filter(() => rng() < 0.5)], rng);
          for (let i = 0; i < all.length; i += 4) await stores[to].applyEvents(all.slice(i, i + 4));
        }

        expect(await visible(stores.a, BAND_B)).toEqual(await visible(stores.b, BAND_B));
        // B's own writes may be private (they never leave B); peers' may not be stored outside the band.
        const { rows: foreign } = await pool.query(
          `select count(*)::int as n from "${schemaB}".memories where namespace = $1 and origin <> 'region-b' and (text is not null) and (y < 0 or y > 12)`,
          [namespace],
        );
        expect(foreign[0].n).toBe(0);
      },
    ),
    { numRuns: 25 },
  );
});
