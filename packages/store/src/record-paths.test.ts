import {
  createKeyring,
  FULL_BAND,
  HybridClock,
  inBand,
  type Keyring,
  type PrivacyBand,
  type SyncEvent,
} from "@memoria/sync-core";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { MemoryFields, MemoryFieldsInput, MemoryPatch } from "./memory.js";
import { CONTENT_NAMES, type FieldName } from "./record.js";
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
 * The local path and the replicated path store a record the same way: random creates,
 * updates (y moving in and out of the bands), deletes and a band tightened in B
 * (`redactOutsideBand`) — written in region A, delivered to region B piecemeal, then all
 * of it shuffled and duplicated. For every record whose latest state A published, B's row
 * must equal A's in status and every column (content, hlc, origin) where B's band allows
 * the content, and be A's row redacted (same hlc and origin, no content) where it does
 * not. Every row without content has every content column NULL.
 */

const pool = testPool();
const schemaA = uniqueName("st_path_a");
const schemaB = uniqueName("st_path_b");
const BAND_B: PrivacyBand = { floor: 0, ceiling: 12 };
const TIGHTER_B: PrivacyBand = { floor: 3, ceiling: 9 };
let keyring: Keyring;

beforeAll(async () => {
  keyring = await createKeyring(TEST_KEYS);
  for (const schema of [schemaA, schemaB])
    await makeStore(schema, "region-x", "setup", FULL_BAND).migrate();
});
afterAll(async () => {
  await dropSchemas(pool, [schemaA, schemaB]);
  await pool.end();
});

function makeStore(schema: string, region: string, namespace: string, band: PrivacyBand): Store {
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

/** One generator per API field; typed by the definition, so a new field needs one here. */
const fieldArbs: { [N in FieldName]: fc.Arbitrary<MemoryFields[N]> } = {
  text: fc.stringMatching(/^[a-z ]{1,20}$/),
  y: fc.integer({ min: -15, max: 15 }),
  team: fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/), { nil: null }),
  anchor: fc.stringMatching(/^[a-z]{0,8}$/),
  tokens: fc.nat(1000),
  symbolic_anchors: fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { maxLength: 3 }),
  timestamp: fc
    .date({ min: new Date("2000-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })
    .map((date) => date.toISOString()),
  x: fc.integer({ min: -400, max: 400 }).map((n) => n / 4),
  z: fc.integer({ min: -60, max: 60 }).map((n) => n / 4),
};

const opArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("create" as const),
      fields: fc.record(fieldArbs, { requiredKeys: ["text", "y"] }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("update" as const),
      pick: fc.nat(),
      patch: fc.record(fieldArbs, { requiredKeys: [] }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("deliver" as const), take: fc.nat(4) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("tighten" as const) }) },
);

type Row = Record<string, unknown>;

async function rowsOf(schema: string, namespace: string): Promise<Map<string, Row>> {
  const { rows } = await pool.query(
    `select id, status, ${CONTENT_NAMES.map((name) => `"${name}"`).join(", ")}, hlc, origin
     from "${schema}".memories where namespace = $1`,
    [namespace],
  );
  return new Map(rows.map((row) => [row.id as string, row]));
}

async function outbox(namespace: string): Promise<SyncEvent[]> {
  const { rows } = await pool.query(`select body from "${schemaA}".outbox order by seq`);
  return rows
    .map((row) => JSON.parse(row.body as string) as SyncEvent)
    .filter((event) => event.namespace === namespace);
}

function withoutContent(row: Row, status: string): Row {
  return { ...row, status, ...Object.fromEntries(CONTENT_NAMES.map((name) => [name, null])) };
}

/** B's row as A's row and the last event A published for it say it must be; undefined: not decided by A's row. */
function expectedInB(a: Row, last: SyncEvent | undefined, bandB: PrivacyBand): Row | undefined {
  if (last === undefined || last.hlc !== a.hlc) return undefined;
  if (last.action === "memory.deleted") return a;
  if (last.action === "memory.redacted") return withoutContent(a, "redacted");
  return inBand(bandB, a.y as number) ? a : withoutContent(a, "redacted");
}

it("a record's row is the same whether written here or replicated from a peer", async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 3, maxLength: 20 }),
      fc.constantFrom(FULL_BAND, BAND_B),
      fc.integer(),
      async (ops, bandA, seed) => {
        run += 1;
        const namespace = `path-${run}-${crypto.randomUUID().slice(0, 8)}`;
        const a = makeStore(schemaA, "region-a", namespace, bandA);
        let bandB = BAND_B;
        let b = makeStore(schemaB, "region-b", namespace, bandB);
        const rng = seededRandom(seed);
        let delivered = 0;
        const ids: string[] = [];
        const live = new Set<string>();

        for (const step of ops) {
          if (step.op === "create") {
            const { memory } = await a.createMemory(step.fields as MemoryFieldsInput);
            ids.push(memory.id);
            live.add(memory.id);
          } else if (step.op === "deliver") {
            const events = await outbox(namespace);
            const batch = events.slice(delivered, delivered + step.take);
            delivered += batch.length;
            await b.applyEvents([...batch, ...batch.filter(() => rng() < 0.3)]);
          } else if (step.op === "tighten") {
            bandB = TIGHTER_B;
            b = makeStore(schemaB, "region-b", namespace, bandB);
            await b.redactOutsideBand();
          } else {
            const candidates = ids.filter((id) => live.has(id));
            const id = candidates[step.pick % Math.max(1, candidates.length)];
            if (id === undefined) continue;
            if (step.op === "delete") {
              await a.deleteMemory(id);
              live.delete(id);
            } else await a.updateMemory(id, step.patch as MemoryPatch);
          }
        }

        const events = await outbox(namespace);
        const all = shuffle([...events, ...events.filter(() => rng() < 0.5)], rng);
        for (let i = 0; i < all.length; i += 5) await b.applyEvents(all.slice(i, i + 5));

        const rowsA = await rowsOf(schemaA, namespace);
        const rowsB = await rowsOf(schemaB, namespace);
        for (const row of [...rowsA.values(), ...rowsB.values()])
          if (row.status !== "live") expect(row).toEqual(withoutContent(row, row.status as string));
        for (const id of ids) {
          const rowA = rowsA.get(id) as Row;
          const last = events
            .filter((event) => event.entity_id === id)
            .sort((p, q) => (p.hlc < q.hlc ? -1 : 1))
            .at(-1);
          const expected = expectedInB(rowA, last, bandB);
          if (expected !== undefined) expect(rowsB.get(id)).toEqual(expected);
          if (last === undefined) expect(rowsB.get(id)).toBeUndefined();
        }
      },
    ),
    { numRuns: 30 },
  );
});
