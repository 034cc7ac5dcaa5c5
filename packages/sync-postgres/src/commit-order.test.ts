/**
 * The correctness requirement of the journal: ids (and transaction ids) are not in
 * commit order, and a pull must never let the cursor pass a row whose transaction
 * commits later. Writers here are raw transactions held open on purpose, inserting
 * exactly what `publish` inserts.
 */
import type { Pool, PoolClient } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparePositions, formatCursor, parseCursor } from "./cursor.js";
import { configureNeon, neonPool } from "./node.testkit.js";
import {
  createSchema,
  dropSchema,
  eventually,
  memoryEvent,
  randomName,
  sleep,
  sql,
} from "./pg.testkit.js";
import { PostgresTransport } from "./transport.js";

const schema = randomName();
let pool: Pool;

beforeAll(async () => {
  configureNeon();
  pool = neonPool(16);
  await createSchema(pool, schema);
});

afterAll(async () => {
  await dropSchema(pool, schema);
  await pool.end();
});

async function journal(): Promise<{ table: string; consumer: PostgresTransport }> {
  const table = `${schema}.${randomName("j")}`;
  const consumer = new PostgresTransport({ pool, region: "region-b", table, claimIdleMs: 0 });
  await consumer.ensure();
  return { table, consumer };
}

/** A transaction held open by the test: begin, insert rows like publish does, commit later. */
class Writer {
  private constructor(
    private readonly client: PoolClient,
    private readonly table: string,
  ) {}

  static async open(table: string): Promise<Writer> {
    const client = await pool.connect();
    await client.query("begin");
    return new Writer(client, table);
  }

  /** Takes a transaction id now, before inserting anything. */
  async xid(): Promise<bigint> {
    const { rows } = await this.client.query("select pg_current_xact_id()::text as x");
    return BigInt(rows[0].x);
  }

  async insert(count = 1): Promise<string[]> {
    const cursors: string[] = [];
    for (let i = 0; i < count; i++) {
      const event = memoryEvent();
      const { rows } = await this.client.query(
        `insert into ${this.table} (event_id, namespace, origin, action, privacy, hlc, body, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id::text as id, txid::text as txid`,
        [
          event.id,
          event.namespace,
          event.origin,
          event.action,
          event.privacy,
          event.hlc,
          JSON.stringify(event),
          event.created_at,
        ],
      );
      cursors.push(formatCursor({ txid: BigInt(rows[0].txid), id: BigInt(rows[0].id) }));
    }
    return cursors;
  }

  async commit(): Promise<void> {
    await this.client.query("commit");
    this.client.release();
  }

  async rollback(): Promise<void> {
    await this.client.query("rollback");
    this.client.release();
  }
}

/** Pulls (and acks) until `expected` entries came, bounded; returns cursors in order. */
async function drain(consumer: PostgresTransport, expected: number): Promise<string[]> {
  const got: string[] = [];
  await eventually(
    async () => {
      const { messages } = await consumer.pull(100);
      got.push(...messages.map((m) => m.cursor));
      await consumer.ack(messages.map((m) => m.cursor));
      return got.length >= expected ? true : undefined;
    },
    { timeoutMs: 20_000, what: `${expected} entries` },
  );
  return got;
}

const ids = (cursors: string[]) => cursors.map((c) => parseCursor(c).id);

describe("commit order", () => {
  it("does not pass a lower id whose transaction commits after a higher one", async () => {
    const { table, consumer } = await journal();
    const slow = await Writer.open(table);
    const [low] = await slow.insert(); // the lower id, still uncommitted
    const fast = await Writer.open(table);
    const [high] = await fast.insert();
    await fast.commit(); // the higher id commits first
    expect(parseCursor(high as string).id).toBeGreaterThan(parseCursor(low as string).id);

    // What a reader going by id alone would see now: only the higher id.
    const visible = await sql(pool, `select id::text as id from ${table} order by id`);
    expect(visible.map((r) => BigInt(r.id as string))).toEqual([parseCursor(high as string).id]);
    // The transport hands out nothing yet: the committed row's transaction is younger
    // than one still running, and acking past it would lose the lower id.
    const between = await consumer.pull(10);
    expect(between.messages).toEqual([]);
    await consumer.ack([high as string]); // even a premature ack cannot move the cursor
    await slow.commit();

    expect(await drain(consumer, 2)).toEqual([low, high]);
    expect((await consumer.pull(10)).messages).toEqual([]);
  });

  it("orders by transaction id: a higher id of an older transaction comes first", async () => {
    const { table, consumer } = await journal();
    const older = await Writer.open(table);
    const olderXid = await older.xid(); // the older transaction id, no row yet
    const younger = await Writer.open(table);
    const [lowId] = await younger.insert(); // lower id, younger transaction
    const [highId] = await older.insert(); // higher id, older transaction
    expect(parseCursor(highId as string).txid).toBe(olderXid);
    await younger.commit();
    expect((await consumer.pull(10)).messages).toEqual([]);
    await older.commit();
    const delivered = await drain(consumer, 2);
    expect(delivered).toEqual([highId, lowId]);
    const [a, b] = ids(delivered) as [bigint, bigint];
    expect(a).toBeGreaterThan(b); // not in id order, and that is right
  });

  it("delivers an older committed transaction while a younger one is still open", async () => {
    const { table, consumer } = await journal();
    const older = await Writer.open(table);
    const first = await older.insert(2);
    const younger = await Writer.open(table);
    const second = await younger.insert();
    await older.commit();
    expect(await drain(consumer, 2)).toEqual(first);
    await younger.commit();
    expect(await drain(consumer, 1)).toEqual(second);
  });

  it("never delivers rows of a transaction that rolled back, and moves past them", async () => {
    const { table, consumer } = await journal();
    const aborted = await Writer.open(table);
    await aborted.insert(2);
    const kept = await Writer.open(table);
    const keptRows = await kept.insert();
    await aborted.rollback();
    await kept.commit();
    expect(await drain(consumer, 1)).toEqual(keptRows);
    const later = await consumer.publish([memoryEvent()]);
    expect(await drain(consumer, 1)).toEqual(later);
  });
});

/** mulberry32: a small seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("commit order, randomized", () => {
  const seeds = [Date.now() % 100_000, 7, 4242];
  for (const seed of seeds) {
    it(`delivers every committed row exactly once to an acking consumer (seed ${seed})`, async () => {
      const rnd = random(seed);
      const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
      const { table, consumer } = await journal();

      const committed = new Set<string>();
      const rolledBack = new Set<string>();
      let writersDone = false;
      // Writer 0 inserts first and commits last: at least one late commit below others.
      const firstIn = await Writer.open(table);
      const firstRows = await firstIn.insert(2);
      const writers = Array.from({ length: 8 }, async (_, w) => {
        await sleep(between(0, 60));
        const writer = await Writer.open(table);
        const rows: string[] = [];
        for (let i = between(1, 3); i > 0; i--) {
          rows.push(...(await writer.insert()));
          await sleep(between(0, 25));
        }
        await sleep(between(0, 80));
        if (w % 4 === 3 && rnd() < 0.7) {
          await writer.rollback();
          for (const row of rows) rolledBack.add(row);
        } else {
          await writer.commit();
          for (const row of rows) committed.add(row);
        }
      });
      const allWriters = Promise.all(writers).then(async () => {
        await firstIn.commit();
        for (const row of firstRows) committed.add(row);
        writersDone = true;
      });

      const deliveries = new Map<string, number>();
      const acked = new Set<string>();
      let firstDeliveredMax: string | undefined;
      let crashes = 0;
      const deadline = Date.now() + 20_000;
      for (let round = 0; round < 2_000; round++) {
        if (Date.now() > deadline) throw new Error(`seed ${seed}: consumer did not finish`);
        const { messages } = await consumer.pull(between(1, 6));
        for (const message of messages) {
          const { cursor } = message;
          expect(acked.has(cursor), `seed ${seed}: ${cursor} delivered after its ack`).toBe(false);
          expect(rolledBack.has(cursor), `seed ${seed}: rolled-back ${cursor}`).toBe(false);
          const count = (deliveries.get(cursor) ?? 0) + 1;
          deliveries.set(cursor, count);
          expect(message.deliveries, `seed ${seed}: deliveries of ${cursor}`).toBe(count);
          if (count === 1) {
            // New entries only ever come after everything handed out before: nothing
            // can appear behind the cursor later.
            if (firstDeliveredMax !== undefined) {
              expect(
                comparePositions(parseCursor(cursor), parseCursor(firstDeliveredMax)),
                `seed ${seed}: ${cursor} appeared behind ${firstDeliveredMax}`,
              ).toBe(1);
            }
            firstDeliveredMax = cursor;
          }
        }
        const action = rnd();
        if (action < 0.15) {
          // The consumer "dies": no ack, the next pull gets them again.
          if (messages.length > 0) crashes += 1;
        } else {
          const toAck = messages
            .map((m) => m.cursor)
            .filter(() => action < 0.7 || rnd() < 0.5)
            .sort(() => rnd() - 0.5);
          await consumer.ack(toAck);
          for (const cursor of toAck) acked.add(cursor);
        }
        if (writersDone && [...committed].every((c) => acked.has(c))) break;
        if (messages.length === 0) await sleep(10);
      }
      await allWriters;
      expect([...acked].sort(compare)).toEqual([...committed].sort(compare));
      expect((await consumer.pull(100)).messages).toEqual([]);
      const cursorRow = await sql(
        pool,
        `select acked_txid::text || ':' || acked_id::text as at from ${table}_cursors`,
      );
      const last = [...committed].sort(compare).at(-1);
      expect(cursorRow[0]?.at).toBe(last);
      if (crashes > 0) expect(Math.max(...deliveries.values())).toBeGreaterThanOrEqual(2);
    });
  }
});

function compare(a: string, b: string): number {
  return comparePositions(parseCursor(a), parseCursor(b));
}
