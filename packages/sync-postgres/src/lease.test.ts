import type { Lease } from "@memoria/sync-core";
import type { Pool } from "@neondatabase/serverless";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresLeaderLease } from "./lease.js";
import { configureNeon, neonPool } from "./node.testkit.js";
import { createSchema, dropSchema, randomName, sleep, sql } from "./pg.testkit.js";

const schema = randomName();
const table = `${schema}.journal`;
let pool: Pool;

beforeAll(async () => {
  configureNeon();
  pool = neonPool(12);
  await createSchema(pool, schema);
});

afterAll(async () => {
  await dropSchema(pool, schema);
  await pool.end();
});

const lease = (name = randomName("lease")) => new PostgresLeaderLease({ pool, table, name });

/** The database clock in ms: the lease's only clock. */
async function dbNow(): Promise<number> {
  const [row] = await sql(pool, "select floor(extract(epoch from clock_timestamp()) * 1000) as ms");
  return Number(row?.ms);
}

describe("lease semantics", () => {
  it("acquire, hold, renew, release: only the holder with its token may act", async () => {
    const l = lease();
    expect(await l.current()).toBeNull();
    const before = await dbNow();
    const a = await l.acquire("region-a", 5_000);
    const after = await dbNow();
    expect(a).toMatchObject({ holder: "region-a", token: 1 });
    expect(a?.expiresAt).toBeGreaterThanOrEqual(before + 5_000);
    expect(a?.expiresAt).toBeLessThanOrEqual(after + 5_000);
    expect(await l.current()).toEqual(a);
    expect(await l.acquire("region-b", 5_000)).toBeNull();

    // Acquiring what we hold keeps the token and extends it.
    const again = await l.acquire("region-a", 8_000);
    expect(again?.token).toBe(1);
    expect(again?.expiresAt).toBeGreaterThan(a?.expiresAt ?? 0);

    const renewed = await l.renew(again as Lease, 10_000);
    expect(renewed).toMatchObject({ holder: "region-a", token: 1 });
    expect(await l.renew({ ...(again as Lease), token: 2 }, 1_000)).toBeNull();
    expect(await l.renew({ ...(again as Lease), holder: "region-b" }, 1_000)).toBeNull();
    expect(await l.release({ ...(again as Lease), token: 0 })).toBe(false);

    expect(await l.release(renewed as Lease)).toBe(true);
    expect(await l.current()).toBeNull();
    expect(await l.release(renewed as Lease)).toBe(false);
    expect(await l.renew(renewed as Lease, 1_000)).toBeNull();

    const b = await l.acquire("region-b", 5_000);
    expect(b).toMatchObject({ holder: "region-b", token: 2 });
  });

  it("seize takes a live lease with a new token; the old holder can no longer act", async () => {
    const l = lease();
    const a = (await l.acquire("region-a", 60_000)) as Lease;
    const seized = await l.seize("region-b", 60_000);
    expect(seized).toMatchObject({ holder: "region-b", token: a.token + 1 });
    expect(await l.renew(a, 60_000)).toBeNull();
    expect(await l.release(a)).toBe(false);
    expect(await l.acquire("region-a", 60_000)).toBeNull();
    expect(await l.current()).toEqual(seized);
    // Seizing again, even by the holder, always yields a new token.
    expect((await l.seize("region-b", 60_000)).token).toBe(a.token + 2);
    // Seize on a name never used starts at 1.
    expect((await lease().seize("region-c", 1_000)).token).toBe(1);
  });

  it("expires by the database clock; a later holder gets the next token", async () => {
    const l = lease();
    const a = (await l.acquire("region-a", 80)) as Lease;
    await sleep(150);
    expect(await l.current()).toBeNull();
    expect(await l.renew(a, 1_000)).toBeNull();
    expect(await l.release(a)).toBe(false);
    // Even the same holder gets a new token after its lease lapsed: work it did under the
    // old token while paused must be refused.
    const again = await l.acquire("region-a", 80);
    expect(again?.token).toBe(a.token + 1);
    await sleep(150);
    const b = await l.acquire("region-b", 1_000);
    expect(b?.token).toBe(a.token + 2);
  });

  it("keeps leases of different names apart, in the table named by sync.table", async () => {
    const one = lease();
    const two = lease();
    expect((await one.acquire("region-a", 1_000))?.token).toBe(1);
    expect((await two.acquire("region-b", 1_000))?.token).toBe(1);
    const rows = await sql(pool, `select name from ${table}_leases where name = any($1)`, [
      [one.name, two.name],
    ]);
    expect(rows).toHaveLength(2);
  });

  it("lets exactly one of many concurrent acquirers win", async () => {
    const l = lease();
    const holders = Array.from({ length: 8 }, (_, i) => `node-${i}`);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(holders.map((h) => l.acquire(h, 10_000)));
      const winners = results.filter((r): r is Lease => r !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]?.token).toBe(round + 1);
      expect(await l.release(winners[0] as Lease)).toBe(true);
    }
  });

  it("refuses bad arguments before any SQL", async () => {
    const l = lease();
    for (const ttl of [0, -1, 1.5, Number.NaN, 86_400_001]) {
      await expect(l.acquire("region-a", ttl)).rejects.toThrow(RangeError);
      await expect(l.seize("region-a", ttl)).rejects.toThrow(RangeError);
    }
    await expect(l.acquire("x'; drop table y; --", 1_000)).rejects.toThrow(RangeError);
    expect(() => new PostgresLeaderLease({ pool, table: "Bad.Table" })).toThrow(RangeError);
    expect(() => new PostgresLeaderLease({ pool, table, name: "" })).toThrow(RangeError);
  });
});

type Op =
  | { kind: "acquire" | "seize" | "renew"; holder: string; ttl: number }
  | { kind: "release" | "current"; holder: string }
  | { kind: "wait"; ms: number };

const holderArb = fc.constantFrom("node-a", "node-b", "node-c");
const ttlArb = fc.constantFrom(30, 60, 120);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("acquire" as const), holder: holderArb, ttl: ttlArb }),
  fc.record({ kind: fc.constant("acquire" as const), holder: holderArb, ttl: ttlArb }),
  fc.record({ kind: fc.constant("renew" as const), holder: holderArb, ttl: ttlArb }),
  fc.record({ kind: fc.constant("seize" as const), holder: holderArb, ttl: ttlArb }),
  fc.record({ kind: fc.constant("release" as const), holder: holderArb }),
  fc.record({ kind: fc.constant("current" as const), holder: holderArb }),
  fc.record({ kind: fc.constant("wait" as const), ms: fc.constantFrom(20, 70, 130) }),
);

describe("lease property", () => {
  it("never shows two live holders and never a decreasing token", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 10 }), async (ops) => {
        const l = lease();
        // The model: the lease as last granted, and each holder's own view of it.
        let live: Lease | null = null;
        let maxToken = 0;
        let lastSeen = 0;
        const held = new Map<string, Lease>();
        const seen = (token: number) => {
          expect(token).toBeGreaterThanOrEqual(lastSeen);
          lastSeen = token;
        };
        for (const op of ops) {
          if (op.kind === "wait") {
            await sleep(op.ms);
            continue;
          }
          const start = await dbNow();
          const mine = held.get(op.holder) ?? { holder: op.holder, token: 0, expiresAt: 0 };
          let result: Lease | boolean | null;
          if (op.kind === "acquire") result = await l.acquire(op.holder, op.ttl);
          else if (op.kind === "seize") result = await l.seize(op.holder, op.ttl);
          else if (op.kind === "renew") result = await l.renew(mine, op.ttl);
          else if (op.kind === "release") result = await l.release(mine);
          else result = await l.current();
          const end = await dbNow();
          // Within 1 ms of the expiry the model cannot tell (the lease keeps microseconds).
          const surelyLive = (x: Lease | null) => x !== null && x.expiresAt > end + 1;
          const surelyDead = (x: Lease | null) => x === null || x.expiresAt < start - 1;
          const ours = live !== null && live.holder === op.holder && live.token === mine.token;

          if (op.kind === "acquire") {
            if (result !== null && typeof result === "object") {
              const granted = result.expiresAt - op.ttl; // now() of the statement
              expect(result.holder).toBe(op.holder);
              if (live === null) {
                expect(result.token).toBe(maxToken + 1); // free: released or never held
              } else if (live.holder !== op.holder) {
                // Never two live holders: the other's lease was over when this one began.
                expect(live.expiresAt).toBeLessThanOrEqual(granted + 1);
                expect(result.token).toBe(maxToken + 1);
              } else if (Math.abs(live.expiresAt - granted) > 1) {
                expect(result.token).toBe(live.expiresAt > granted ? live.token : maxToken + 1);
              }
              live = result;
            } else {
              // Refused: someone else held it, live, at that moment.
              expect(live).not.toBeNull();
              expect(live?.holder).not.toBe(op.holder);
              expect(surelyDead(live)).toBe(false);
            }
          } else if (op.kind === "seize") {
            const seized = result as Lease;
            expect(seized).toMatchObject({ holder: op.holder, token: maxToken + 1 });
            live = seized;
          } else if (op.kind === "renew") {
            if (result !== null && typeof result === "object") {
              expect(ours && !surelyDead(live)).toBe(true);
              expect(result).toMatchObject({ holder: op.holder, token: mine.token });
              live = result;
            } else {
              expect(ours && surelyLive(live)).toBe(false);
            }
          } else if (op.kind === "release") {
            if (result === true) {
              expect(ours && !surelyDead(live)).toBe(true);
              live = null;
            } else {
              expect(ours && surelyLive(live)).toBe(false);
            }
          } else {
            const now = result as Lease | null;
            if (surelyLive(live)) expect(now).toEqual(live);
            if (surelyDead(live)) expect(now).toBeNull();
          }
          if (result !== null && typeof result === "object") {
            seen(result.token);
            if (op.kind !== "current") held.set(op.holder, result);
            maxToken = Math.max(maxToken, result.token);
          }
        }
      }),
      { numRuns: 12 },
    );
  });
});
