import {
  compareHlc,
  createKeyring,
  HybridClock,
  type Keyring,
  type SyncEvent,
} from "@memoria/sync-core";
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
 * The daily decrement commutes with concurrent writes, on the real store: three regions
 * create records, edit their text, set x (or send back the x they read), delete, and run
 * a day's decrement (one region, or two as duplicate crons); events reach each peer late,
 * in a random order, duplicated. After every delivery a region reads what the model says
 * it has seen; after full delivery all regions agree and every live record's x is the
 * oracle's:
 *
 *   effective x = x of the record's last explicit set − day marks whose HLC is after that set,
 *
 * each (namespace, date) mark counted once however many regions ran or received it. The
 * record itself is last-writer-wins as a whole, so "last explicit set" is the one the
 * winning write carries: the latest set its region had seen when it wrote. (A concurrent
 * set another region had not seen loses to a later write there, as any concurrent edit
 * does; a day's mark is not a write and is never lost.)
 */

const pool = testPool();
const SIDES = ["a", "b", "c"] as const;
type Side = (typeof SIDES)[number];
const schemas = Object.fromEntries(SIDES.map((side) => [side, uniqueName(`st_dec_${side}`)])) as {
  [S in Side]: string;
};
let keyring: Keyring;

beforeAll(async () => {
  keyring = await createKeyring(TEST_KEYS);
  // Migrate once; each run then works in a namespace of its own.
  for (const side of SIDES) await makeStore(side, "setup").migrate();
});
afterAll(async () => {
  await dropSchemas(pool, Object.values(schemas));
  await pool.end();
});

function makeStore(side: Side, namespace: string): Store {
  return createStore({
    pool,
    schema: schemas[side],
    region: `region-${side}`,
    namespace,
    band: { floor: -15, ceiling: 15 },
    keyring,
    clock: new HybridClock({ node: `region-${side}` }),
  });
}

/** A write as the model knows it: the record after it, with its x register (x, set at). */
interface Write {
  id: string;
  hlc: string;
  deleted: boolean;
  x: number;
  setAt: string;
}
type Fact = { kind: "write"; write: Write } | { kind: "mark"; date: string; hlc: string };

/** What one region has seen: each record's winning write, each date's mark (smallest HLC). */
class Seen {
  readonly records = new Map<string, Write>();
  readonly marks = new Map<string, string>();
  add(fact: Fact): void {
    if (fact.kind === "mark") {
      const known = this.marks.get(fact.date);
      if (known === undefined || compareHlc(fact.hlc, known) < 0)
        this.marks.set(fact.date, fact.hlc);
      return;
    }
    const { write } = fact;
    const known = this.records.get(write.id);
    const wins =
      known === undefined ||
      (!known.deleted && (write.deleted || compareHlc(write.hlc, known.hlc) > 0));
    if (wins) this.records.set(write.id, write);
  }
  effectiveX(write: Write): number {
    return write.x - [...this.marks.values()].filter((m) => compareHlc(m, write.setAt) > 0).length;
  }
  /** Live records and their x, as a reader of this region must see them. */
  view(): Array<[string, number]> {
    return [...this.records.values()]
      .filter((write) => !write.deleted)
      .map((write): [string, number] => [write.id, this.effectiveX(write)])
      .sort(([p], [q]) => (p < q ? -1 : 1));
  }
  live(): Write[] {
    return [...this.records.values()]
      .filter((write) => !write.deleted)
      .sort((p, q) => (p.id < q.id ? -1 : 1));
  }
}

const side = fc.constantFrom<Side>(...SIDES);
const x = fc.integer({ min: 0, max: 20 });
const opArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("create" as const), side, x }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("text" as const), side, pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("setX" as const),
      side,
      pick: fc.nat(),
      // undefined: send back the x just read.
      x: fc.option(x, { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), side, pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("decrement" as const),
      sides: fc.uniqueArray(side, { minLength: 1, maxLength: 2 }),
      day: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant("deliver" as const), to: side, take: fc.nat(5) }),
  },
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

interface World {
  namespace: string;
  stores: { [S in Side]: Store };
  seen: { [S in Side]: Seen };
  /** Every write and mark, by its HLC (unique: the node is part of it). */
  facts: Map<string, Fact>;
  delivered: { [S in Side]: Set<string> };
  rng: () => number;
  texts: number;
}

function record(world: World, at: Side, fact: Fact): void {
  world.facts.set(fact.kind === "write" ? fact.write.hlc : fact.hlc, fact);
  world.seen[at].add(fact);
}

async function write(world: World, op: Exclude<Op, { op: "decrement" | "deliver" }>) {
  const { stores, seen } = world;
  const store = stores[op.side];
  if (op.op === "create") {
    const { memory, hlc } = await store.createMemory({ text: `t${world.texts++}`, y: 5, x: op.x });
    expect(memory.x).toBe(op.x);
    record(world, op.side, {
      kind: "write",
      write: { id: memory.id, hlc, deleted: false, x: op.x, setAt: hlc },
    });
    return;
  }
  const live = seen[op.side].live();
  const target = live[op.pick % Math.max(1, live.length)];
  if (target === undefined) return;
  const read = seen[op.side].effectiveX(target);
  if (op.op === "delete") {
    const { hlc } = await store.deleteMemory(target.id);
    record(world, op.side, { kind: "write", write: { ...target, hlc, deleted: true } });
    return;
  }
  const sent = op.op === "setX" ? (op.x ?? read) : undefined;
  const result = await store.updateMemory(target.id, {
    text: `t${world.texts++}`,
    ...(sent === undefined ? {} : { x: sent }),
  });
  // Only an x other than the one read is a set; anything else keeps the register.
  const sets = sent !== undefined && sent !== read;
  expect(result.memory.x).toBe(sent ?? read);
  const register = sets ? { x: sent, setAt: result.hlc } : { x: target.x, setAt: target.setAt };
  record(world, op.side, { kind: "write", write: { ...target, ...register, hlc: result.hlc } });
}

async function decrement(world: World, sides: readonly Side[], day: number): Promise<void> {
  const date = `2026-11-2${day}`;
  for (const at of sides) {
    const result = await world.stores[at].runDecrement(date, 1);
    // A region that already holds the date's mark (its own or a peer's) does nothing.
    expect(result.outcome).toBe(world.seen[at].marks.has(date) ? "already-done" : "applied");
    if (result.outcome === "applied") record(world, at, { kind: "mark", date, hlc: result.hlc });
  }
}

async function outbox(world: World, of: Side): Promise<SyncEvent[]> {
  const { rows } = await pool.query(`select body from "${schemas[of]}".outbox order by seq`);
  return rows
    .map((row) => JSON.parse(row.body as string) as SyncEvent)
    .filter((event) => event.namespace === world.namespace);
}

/** Up to `take` of the events `to` has not had, in a random order, some twice, with an old one again. */
async function deliver(world: World, to: Side, take: number): Promise<void> {
  const peers = SIDES.filter((s) => s !== to);
  const all = (await Promise.all(peers.map((peer) => outbox(world, peer)))).flat();
  const pending = shuffle(
    all.filter((event) => !world.delivered[to].has(event.id)),
    world.rng,
  ).slice(0, take);
  const again = all.filter((event) => world.delivered[to].has(event.id) && world.rng() < 0.2);
  const batch = shuffle(
    [...pending, ...pending.filter(() => world.rng() < 0.3), ...again],
    world.rng,
  );
  await world.stores[to].applyEvents(batch);
  for (const event of pending) {
    world.delivered[to].add(event.id);
    world.seen[to].add(world.facts.get(event.hlc) as Fact);
  }
}

async function reads(store: Store): Promise<Array<[string, number]>> {
  const { items } = await store.listMemories({ limit: 1000 });
  return items.map((m): [string, number] => [m.id, m.x]).sort(([p], [q]) => (p < q ? -1 : 1));
}

it("every region ends with the oracle's x for every live record", async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 4, maxLength: 24 }),
      fc.integer(),
      async (ops, seed) => {
        run += 1;
        const namespace = `dec-${run}-${crypto.randomUUID().slice(0, 8)}`;
        const world: World = {
          namespace,
          stores: {
            a: makeStore("a", namespace),
            b: makeStore("b", namespace),
            c: makeStore("c", namespace),
          },
          seen: { a: new Seen(), b: new Seen(), c: new Seen() },
          facts: new Map(),
          delivered: { a: new Set(), b: new Set(), c: new Set() },
          rng: seededRandom(seed),
          texts: 0,
        };
        for (const op of ops) {
          if (op.op === "decrement") await decrement(world, op.sides, op.day);
          else if (op.op === "deliver") {
            await deliver(world, op.to, op.take);
            expect(await reads(world.stores[op.to])).toEqual(world.seen[op.to].view());
          } else await write(world, op);
        }
        // Everything, to everyone, in batches.
        for (const to of SIDES)
          for (let i = 0; i < 200 && (await pendingFor(world, to)); i++)
            await deliver(world, to, 4);

        const oracle = new Seen();
        for (const fact of world.facts.values()) oracle.add(fact);
        // Every region holds the same records (times of the local rows aside), with the oracle's x.
        const records = await Promise.all(
          SIDES.map(async (s) =>
            (await world.stores[s].listMemories({ limit: 1000 })).items.map(
              ({ updated_at: _u, created_at: _c, ...memory }) => memory,
            ),
          ),
        );
        for (const [i, s] of SIDES.entries()) {
          expect(await reads(world.stores[s])).toEqual(oracle.view());
          expect(records[i]).toEqual(records[0]);
        }
      },
    ),
    { numRuns: 40, seed: Number(process.env.PROP_SEED ?? Date.now() % 2 ** 31) },
  );
});

async function pendingFor(world: World, to: Side): Promise<boolean> {
  const peers = SIDES.filter((s) => s !== to);
  const all = (await Promise.all(peers.map((peer) => outbox(world, peer)))).flat();
  return all.some((event) => !world.delivered[to].has(event.id));
}
