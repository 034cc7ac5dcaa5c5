import { createServer } from "node:net";
import { parseEvent } from "@memoria/sync-core";
import { Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compareCursors, parseCursor } from "./cursor.js";
import { ensureJournal, journalDdl, journalExists } from "./ddl.js";
import { configureNeon, neonPool } from "./node.testkit.js";
import {
  createSchema,
  dropSchema,
  eventually,
  listen,
  memoryEvent,
  randomName,
  settled,
  sleep,
  sql,
} from "./pg.testkit.js";
import { PostgresTransport, type PostgresTransportOptions } from "./transport.js";

const schema = randomName();
const table = `${schema}.journal`;
let pool: Pool;

beforeAll(async () => {
  configureNeon();
  pool = neonPool();
  await createSchema(pool, schema);
});

afterAll(async () => {
  await dropSchema(pool, schema);
  await pool.end();
});

/**
 * The transport under test; its publish also waits until the rows are final (no older
 * transaction of another suite still running), so a pull right after sees them all.
 * commit-order.test.ts covers what happens before that.
 */
class Settling extends PostgresTransport {
  override async publish(events: Parameters<PostgresTransport["publish"]>[0]) {
    const cursors = await super.publish(events);
    await settled(pool, cursors);
    return cursors;
  }
}

function transport(options: Partial<PostgresTransportOptions> = {}): PostgresTransport {
  return new Settling({ pool, region: "region-b", table, claimIdleMs: 0, ...options });
}

/** Its own journal table in the suite's schema, so tests do not see each other's rows. */
function freshTable(): string {
  return `${schema}.${randomName("j")}`;
}

describe("publish and pull", () => {
  it("round-trips events in order with their exact JSON text", async () => {
    const own = freshTable();
    const publisher = transport({ table: own, region: "region-a" });
    const consumer = transport({ table: own });
    const events = Array.from({ length: 7 }, () => memoryEvent());
    // A redaction has no payload; a null privacy; keys in an unusual order.
    events.push(memoryEvent({ action: "memory.redacted", payload: undefined, privacy: null }));
    const cursors = await publisher.publish(events);
    expect(cursors).toHaveLength(events.length);
    expect(new Set(cursors).size).toBe(events.length);

    const batch = await consumer.pull(100);
    expect(batch.more).toBe(false);
    expect(batch.messages.map((m) => m.cursor)).toEqual(cursors);
    expect(batch.messages.map((m) => m.body)).toEqual(events.map((e) => JSON.stringify(e)));
    for (const message of batch.messages) {
      expect(parseEvent(message.body).success).toBe(true);
      expect(message.deliveries).toBe(1);
      expect(message.publishedAt).toBeGreaterThan(Date.now() - 60_000);
      expect(message.publishedAt).toBeLessThanOrEqual(Date.now() + 1_000);
    }
    await consumer.ack(batch.messages.map((m) => m.cursor));
    expect((await consumer.pull(100)).messages).toEqual([]);
  });

  it("pages with `more` and keeps order across pages", async () => {
    const own = freshTable();
    const t = transport({ table: own });
    const cursors = await t.publish(Array.from({ length: 5 }, () => memoryEvent()));
    const seen: string[] = [];
    const first = await t.pull(2);
    expect(first.more).toBe(true);
    seen.push(...first.messages.map((m) => m.cursor));
    await t.ack(first.messages.map((m) => m.cursor));
    const second = await t.pull(3);
    expect(second.more).toBe(false);
    seen.push(...second.messages.map((m) => m.cursor));
    expect(seen).toEqual(cursors);
  });

  it("stores columns for filtering beside the body", async () => {
    const own = freshTable();
    const event = memoryEvent({ privacy: -3.5, origin: "region-x", namespace: "team-ops" });
    const [cursor] = await transport({ table: own }).publish([event]);
    const id = parseCursor(cursor as string).id;
    const [row] = await sql(
      pool,
      `select event_id, namespace, origin, action, privacy, hlc, body,
              created_at = $2::timestamptz as same_created, txid::text as txid
         from ${own} where id = $1`,
      [String(id), event.created_at],
    );
    expect(row).toMatchObject({
      event_id: event.id,
      namespace: "team-ops",
      origin: "region-x",
      action: "memory.created",
      privacy: -3.5,
      hlc: event.hlc,
      body: JSON.stringify(event),
      same_created: true,
      txid: String(parseCursor(cursor as string).txid),
    });
  });

  it("refuses a malformed event before writing anything", async () => {
    const own = freshTable();
    const t = transport({ table: own });
    const good = memoryEvent();
    const bad = { ...memoryEvent(), privacy: 40 };
    await expect(t.publish([good, bad])).rejects.toThrow(/event 1 is not a SyncEvent: privacy/);
    expect((await t.pull(10)).messages).toEqual([]);
  });

  it("is idempotent on event id: a repeat returns the first cursor and adds no row", async () => {
    const own = freshTable();
    const t = transport({ table: own });
    const a = memoryEvent();
    const b = memoryEvent();
    const [ca, cb] = await t.publish([a, b]);
    const again = await t.publish([b, memoryEvent({ id: a.id }), a]);
    expect(again[0]).toBe(cb);
    expect(again[1]).toBe(ca); // same id, other content: the first body stays
    expect(again[2]).toBe(ca);
    const c = memoryEvent();
    const mixed = await t.publish([c, a, { ...c, entity_id: "other" }]);
    expect(mixed[1]).toBe(ca);
    expect(mixed[0]).toBe(mixed[2]);
    const [{ n }] = (await sql(pool, `select count(*)::int as n from ${own}`)) as [{ n: number }];
    expect(n).toBe(3);
    const bodies = (await t.pull(10)).messages.map((m) => m.body);
    expect(bodies).toEqual([a, b, c].map((e) => JSON.stringify(e)));
  });

  it("deduplicates concurrent publishes of the same events", async () => {
    const own = freshTable();
    const events = Array.from({ length: 4 }, () => memoryEvent());
    const results = await Promise.all(
      Array.from({ length: 4 }, () => transport({ table: own }).publish(events)),
    );
    for (const result of results) expect(result).toEqual(results[0]);
    const [{ n }] = (await sql(pool, `select count(*)::int as n from ${own}`)) as [{ n: number }];
    expect(n).toBe(4);
  });

  it("keeps an independent cursor per region", async () => {
    const own = freshTable();
    const a = transport({ table: own, region: "region-a" });
    const b = transport({ table: own, region: "region-b" });
    const cursors = await a.publish(Array.from({ length: 4 }, () => memoryEvent()));
    const pa = await a.pull(2);
    await a.ack(pa.messages.map((m) => m.cursor));
    const pb = await b.pull(10);
    expect(pb.messages.map((m) => m.cursor)).toEqual(cursors);
    expect(pb.messages.every((m) => m.deliveries === 1)).toBe(true);
    await b.ack(pb.messages.map((m) => m.cursor));
    expect((await a.pull(10)).messages.map((m) => m.cursor)).toEqual(cursors.slice(2));
    expect((await b.pull(10)).messages).toEqual([]);
    const rows = await sql(
      pool,
      `select region, acked_id::text as acked from ${own}_cursors order by region`,
    );
    expect(rows).toEqual([
      { region: "region-a", acked: String(parseCursor(cursors[1] as string).id) },
      { region: "region-b", acked: String(parseCursor(cursors[3] as string).id) },
    ]);
  });
});

describe("redelivery and acks", () => {
  it("hands unacked entries out again to the next consumer (deliveries counts)", async () => {
    const own = freshTable();
    const cursors = await transport({ table: own }).publish(
      Array.from({ length: 3 }, () => memoryEvent()),
    );
    // A consumer pulls and "crashes" before acking.
    const crashed = await transport({ table: own }).pull(10);
    expect(crashed.messages.map((m) => m.deliveries)).toEqual([1, 1, 1]);
    const second = await transport({ table: own }).pull(2);
    expect(second.messages.map((m) => [m.cursor, m.deliveries])).toEqual([
      [cursors[0], 2],
      [cursors[1], 2],
    ]);
    const third = await transport({ table: own }).pull(10);
    expect(third.messages.map((m) => m.deliveries)).toEqual([3, 3, 2]);
    await transport({ table: own }).ack(cursors);
    expect((await transport({ table: own }).pull(10)).messages).toEqual([]);
    const [{ n }] = (await sql(pool, `select count(*)::int as n from ${own}_pending`)) as [
      { n: number },
    ];
    expect(n).toBe(0);
  });

  it("holds an unacked entry back until it has been idle claimIdleMs", async () => {
    const own = freshTable();
    // Long enough that the pulls below finish inside it even on a loaded machine.
    const t = transport({ table: own, claimIdleMs: 1_500 });
    const [c1, c2] = await t.publish([memoryEvent(), memoryEvent()]);
    expect((await t.pull(1)).messages.map((m) => m.cursor)).toEqual([c1]);
    // c1 is still in the hands of the first consumer: the next pull moves on to c2.
    const next = await t.pull(10);
    expect(next.messages.map((m) => m.cursor)).toEqual([c2]);
    expect((await t.pull(10)).messages).toEqual([]);
    // c1 and c2 were handed out moments apart, so on a loaded machine each may come back
    // in its own pull once its own claimIdleMs has passed: collect until both have.
    const redelivered: Array<[string, number]> = [];
    await eventually(
      async () => {
        const batch = await t.pull(10);
        redelivered.push(...batch.messages.map((m): [string, number] => [m.cursor, m.deliveries]));
        return redelivered.length >= 2 ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: "redelivery after idle" },
    );
    expect(redelivered).toEqual([
      [c1, 2],
      [c2, 2],
    ]);
  });

  it("lets two consumers of one region share the work while entries are fresh", async () => {
    const own = freshTable();
    const a = transport({ table: own, claimIdleMs: 60_000 });
    const b = transport({ table: own, claimIdleMs: 60_000 });
    const cursors = await a.publish(Array.from({ length: 6 }, () => memoryEvent()));
    const [pa, pb] = await Promise.all([a.pull(3), b.pull(3)]);
    const got = [...pa.messages, ...pb.messages].map((m) => m.cursor).sort(compareCursors);
    expect(got).toEqual(cursors); // disjoint halves, nothing twice
    await Promise.all([
      b.ack(pb.messages.map((m) => m.cursor)),
      a.ack(pa.messages.map((m) => m.cursor)),
    ]);
    expect((await a.health()).lagEvents).toBe(0);
    const [row] = await sql(pool, `select acked_id::text as id from ${own}_cursors`);
    expect(row?.id).toBe(String(parseCursor(cursors[5] as string).id));
  });

  it("accepts acks out of order: the cursor waits for the gap, nothing is skipped", async () => {
    const own = freshTable();
    const t = transport({ table: own });
    const cursors = await t.publish(Array.from({ length: 5 }, () => memoryEvent()));
    const [c0, c1, c2, c3, c4] = cursors as [string, string, string, string, string];
    await t.pull(10);
    await t.ack([c3, c1]);
    // c1 and c3 are done; c0, c2, c4 come again.
    expect((await t.pull(10)).messages.map((m) => m.cursor)).toEqual([c0, c2, c4]);
    const acked = async () =>
      (await sql(pool, `select acked_id::text as id from ${own}_cursors`))[0]?.id;
    expect(await acked()).toBe("0");
    await t.ack([c0]);
    expect(await acked()).toBe(String(parseCursor(c1).id));
    await t.ack([c2, c2, c0]); // repeats and already-passed cursors are harmless
    expect(await acked()).toBe(String(parseCursor(c3).id));
    expect((await t.pull(10)).messages.map((m) => m.cursor)).toEqual([c4]);
    await t.ack([c4]);
    expect(await acked()).toBe(String(parseCursor(c4).id));
    expect((await t.pull(10)).messages).toEqual([]);
  });

  it("ignores an ack for an entry this region was never handed", async () => {
    const own = freshTable();
    const t = transport({ table: own });
    const cursors = await t.publish([memoryEvent(), memoryEvent()]);
    await t.ack(cursors); // nothing pulled yet: nothing to ack
    expect((await t.pull(10)).messages.map((m) => m.cursor)).toEqual(cursors);
  });

  it("refuses a malformed cursor before any SQL", async () => {
    const t = transport({ table: freshTable(), pool: unreachablePool() });
    await expect(t.ack(["12"])).rejects.toThrow(TypeError);
    await expect(t.ack(["1:2; drop table x"])).rejects.toThrow(TypeError);
    await expect(t.replaySince(0, { after: "x" })).rejects.toThrow(TypeError);
    await expect(t.pull(0)).rejects.toThrow(RangeError);
    await expect(t.pull(1.5)).rejects.toThrow(RangeError);
  });
});

describe("table names", () => {
  it("works with an unqualified table on the search_path", async () => {
    // The suite's schema first on the search_path of a pool of its own.
    const scoped = new Pool({
      connectionString: inject("localServices").postgresUrl,
      options: `-c search_path=${schema}`,
    });
    try {
      const name = randomName("plain");
      const t = new Settling({ pool: scoped, region: "region-b", table: name });
      const cursors = await t.publish([memoryEvent()]);
      expect((await t.pull(5)).messages.map((m) => m.cursor)).toEqual(cursors);
      const rows = await sql(pool, "select to_regclass($1)::text as t", [`${schema}.${name}`]);
      expect(rows[0]?.t).toBe(`${schema}.${name}`);
    } finally {
      await scoped.end();
    }
  });

  it("creates schema, tables and indexes once, also under concurrent first use", async () => {
    const qualified = `${randomName("t_conc")}.journal`;
    const ownSchema = qualified.split(".")[0] as string;
    try {
      await Promise.all(Array.from({ length: 6 }, () => ensureJournal(pool, qualified)));
      expect(await journalExists(pool, qualified)).toBe(true);
      const objects = await sql(
        pool,
        `select c.relname, c.relkind::text as kind from pg_class c
           join pg_namespace s on s.oid = c.relnamespace
          where s.nspname = $1 and c.relkind in ('r', 'i') order by c.relname`,
        [ownSchema],
      );
      expect(objects.map((o) => o.relname)).toEqual([
        "journal",
        "journal_cursors",
        "journal_cursors_pkey",
        "journal_event_id_key",
        "journal_leases",
        "journal_leases_pkey",
        "journal_pending",
        "journal_pending_pkey",
        "journal_pkey",
        "journal_pos_idx",
        "journal_pub_idx",
      ]);
      // Running the DDL again changes nothing.
      await sql(pool, journalDdl(qualified));
      await ensureJournal(pool, qualified);
    } finally {
      await dropSchema(pool, ownSchema);
    }
  });

  it("refuses a malicious or too long name before any SQL", async () => {
    const pool = unreachablePool(); // any SQL would fail loudly, not silently succeed
    for (const table of [
      'x"; drop table users; --',
      "Journal",
      "a.b.c",
      "public.",
      "x y",
      "évents",
      `${"a".repeat(56)}`,
      "",
    ]) {
      expect(() => new PostgresTransport({ pool, region: "region-a", table })).toThrow(RangeError);
      expect(() => journalDdl(table)).toThrow(RangeError);
    }
    expect(() => new PostgresTransport({ pool, region: "Region A", table: "ok" })).toThrow(
      RangeError,
    );
    expect(
      () => new PostgresTransport({ pool, region: "region-a", table: "ok", channel: 'a"b' }),
    ).toThrow(RangeError);
    // 55 characters is the longest accepted name.
    expect(journalDdl(`${"a".repeat(55)}`)).toContain(`"${"a".repeat(55)}_pos_idx"`);
  });
});

describe("replaySince", () => {
  it("pages in (txid, id) order past ids of different lengths, skipping none (9 < 10)", async () => {
    const t = transport({ table: freshTable() });
    const published = await t.publish(Array.from({ length: 25 }, () => memoryEvent()));
    const read: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 20; page++) {
      const batch = await t.replaySince(0, { limit: 4, ...(after ? { after } : {}) });
      read.push(...batch.messages.map((m) => m.cursor));
      after = batch.messages.at(-1)?.cursor;
      if (!batch.more) break;
    }
    expect(read).toEqual(published);
    expect(await t.countSince(0)).toEqual({ count: 25, exact: true });
    expect(await t.countSince(Date.now() + 60_000)).toEqual({ count: 0, exact: true });
  });

  it("returns entries published at or after a time, pages with after, moves no cursor", async () => {
    const own = freshTable();
    const t = transport({ table: own });
    const early = await t.publish([memoryEvent(), memoryEvent()]);
    await sleep(30);
    const [boundary] = await sql(pool, "select floor(extract(epoch from now()) * 1000) as ms");
    await sleep(30);
    const late = await t.publish([memoryEvent(), memoryEvent(), memoryEvent()]);
    const since = Number(boundary?.ms);

    const page1 = await t.replaySince(since, { limit: 2 });
    expect(page1.more).toBe(true);
    expect(page1.messages.map((m) => m.cursor)).toEqual(late.slice(0, 2));
    expect(page1.messages.every((m) => m.deliveries === 1 && m.publishedAt >= since)).toBe(true);
    const page2 = await t.replaySince(since, { after: page1.messages[1]?.cursor, limit: 2 });
    expect(page2.messages.map((m) => m.cursor)).toEqual(late.slice(2));
    expect(page2.more).toBe(false);

    const all = await t.replaySince(0);
    expect(all.messages.map((m) => m.cursor)).toEqual([...early, ...late]);
    // The exact publishedAt of an entry includes it.
    const first = all.messages[2];
    expect((await t.replaySince(first?.publishedAt ?? 0)).messages[0]?.cursor).toBe(late[0]);
    // No cursor moved: the region still gets everything.
    expect((await t.pull(10)).messages).toHaveLength(5);
  });
});

describe("health", () => {
  it("reports lag, the oldest unacked and the newest entry", async () => {
    const own = freshTable();
    const t = transport({ table: own });
    const empty = await t.health();
    expect(empty).toMatchObject({
      backend: "postgres",
      reachable: true,
      lagEvents: 0,
      oldestUnackedAt: null,
      lastEventAt: null,
    });
    expect(empty.error).toBeUndefined();
    expect(empty.latencyMs).toBeGreaterThanOrEqual(0);

    await t.publish([memoryEvent()]);
    await sleep(20);
    await t.publish([memoryEvent()]);
    await sleep(20);
    await t.publish([memoryEvent()]);
    const { messages } = await t.pull(10);
    await t.ack([messages[0]?.cursor as string, messages[2]?.cursor as string]);
    const health = await t.health();
    expect(health.lagEvents).toBe(1);
    expect(health.oldestUnackedAt).toBe(messages[1]?.publishedAt);
    expect(health.lastEventAt).toBe(messages[2]?.publishedAt);
    // Another region has read nothing.
    const other = await transport({ table: own, region: "region-c" }).health();
    expect(other.lagEvents).toBe(3);
    expect(other.oldestUnackedAt).toBe(messages[0]?.publishedAt);
  });

  it("says unreachable, without throwing, when the database does not answer", async () => {
    const down = unreachablePool();
    try {
      const t = new PostgresTransport({ pool: down, region: "region-b", table });
      const started = Date.now();
      const health = await t.health();
      expect(health).toMatchObject({ backend: "postgres", reachable: false, lagEvents: 0 });
      expect(health.error).toEqual(expect.any(String));
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await down.end();
    }
  });

  it("says unreachable when the database answers too slowly", async () => {
    const slow = {
      connect: async () => {
        await sleep(2_000);
        throw new Error("never");
      },
    };
    const t = new PostgresTransport({ pool: slow, region: "region-b", healthTimeoutMs: 100 });
    const health = await t.health();
    expect(health.reachable).toBe(false);
    expect(health.error).toMatch(/no answer within 100 ms/);
  });
});

describe("LISTEN wake-ups", () => {
  it("wakes a listener after a publish from another client, carrying only a cursor", async () => {
    const own = freshTable();
    const listener = transport({ table: own, channel: `wake:${randomName()}` });
    const otherPool = neonPool(2);
    try {
      const publisher = new Settling({
        pool: otherPool,
        region: "region-a",
        table: own,
        channel: listener.channel,
      });
      await publisher.ensure();
      const wakes: string[] = [];
      const stop = await listen(pool, listener.channel, (cursor) => wakes.push(cursor));
      const first = memoryEvent();
      const cursors = await publisher.publish([first, memoryEvent()]);
      await eventually(async () => (wakes.length > 0 ? true : undefined), { what: "a wake-up" });
      expect(wakes).toEqual([cursors[1]]);
      // A repeat publish writes nothing and wakes nobody; a new event does.
      await publisher.publish([first]);
      const [third] = await publisher.publish([memoryEvent()]);
      await eventually(async () => (wakes.length >= 2 ? true : undefined), { what: "wake 2" });
      await sleep(100);
      expect(wakes).toEqual([cursors[1], third]);
      await stop();
      await stop(); // idempotent
      await publisher.publish([memoryEvent()]);
      await sleep(200);
      expect(wakes).toHaveLength(2);
      // Polling is the truth: everything is there.
      expect((await listener.pull(10)).messages).toHaveLength(4);
    } finally {
      await otherPool.end();
    }
  });
});

/** A Neon pool aimed at a loopback port where nothing listens. */
function unreachablePool(): Pool {
  const url = new URL(inject("localServices").postgresUrl);
  url.port = String(closedPort);
  return new Pool({ connectionString: url.toString(), max: 1 });
}

let closedPort = 1;
beforeAll(async () => {
  closedPort = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 1;
      server.close(() => resolve(port));
    });
  });
});

describe("retention", () => {
  async function pullAll(consumer: PostgresTransport): Promise<string[]> {
    const cursors: string[] = [];
    for (let guard = 0; guard < 20; guard++) {
      const batch = await consumer.pull(100);
      if (batch.messages.length === 0) break;
      cursors.push(...batch.messages.map((m) => m.cursor));
      await consumer.ack(batch.messages.map((m) => m.cursor));
    }
    return cursors;
  }

  it("deletes only rows every region has acked, keeping the newest retentionEvents", async () => {
    const own = freshTable();
    const publisher = transport({ table: own, region: "region-a", retentionEvents: 10 });
    const fast = transport({ table: own, region: "region-b", retentionEvents: 10 });
    const slow = transport({ table: own, region: "region-c", retentionEvents: 10 });
    expect(await publisher.prune()).toBe(0); // no cursor yet: nothing may go
    const cursors = await publisher.publish(Array.from({ length: 50 }, () => memoryEvent()));
    expect(await pullAll(fast)).toEqual(cursors);
    const first = await slow.pull(20);
    await slow.ack(first.messages.map((m) => m.cursor));

    expect(await publisher.prune()).toBe(20); // region-c has acked only the first 20
    expect(await slow.pull(100).then((b) => b.messages.map((m) => m.cursor))).toEqual(
      cursors.slice(20),
    );
    expect(await publisher.prune()).toBe(0);

    await slow.ack(cursors.slice(20));
    expect(await publisher.prune()).toBe(20); // all acked: down to the newest 10
    const kept = await publisher.replaySince(0, { limit: 100 });
    expect(kept.messages.map((m) => m.cursor)).toEqual(cursors.slice(40));
    expect(await publisher.prune(5)).toBe(0);
  });
});
