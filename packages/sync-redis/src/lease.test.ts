import type { Lease } from "@memoria/sync-core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisLease, type RedisLease } from "./lease.js";
import { cleanUp, client, keyMaker, runPrefix, sleep } from "./test-support.js";

const prefix = runPrefix("node-lease");
const leaseKey = keyMaker(prefix);
afterAll(() => cleanUp(prefix));

const lease = (): RedisLease => createRedisLease({ redis: client(), key: leaseKey("lease") });
const LONG = 10_000;

describe("acquire", () => {
  it("is exclusive while held (NX), and re-acquiring our own lease keeps the token", async () => {
    const l = lease();
    const a = await l.acquire("region-a", LONG);
    expect(a).toMatchObject({ holder: "region-a", token: 1 });
    expect(await l.acquire("region-b", LONG)).toBeNull();
    const again = await l.acquire("region-a", LONG);
    expect(again?.token).toBe(a?.token);
    expect(await l.current()).toMatchObject({ holder: "region-a", token: a?.token });
  });

  it("computes expiresAt from when the request was sent, never after Redis' expiry", async () => {
    const l = lease();
    const before = Date.now();
    const a = await l.acquire("region-a", 5_000);
    const after = Date.now();
    expect(a?.expiresAt).toBeGreaterThanOrEqual(before + 5_000);
    expect(a?.expiresAt).toBeLessThanOrEqual(after + 5_000);
    const current = await l.current();
    expect(current?.expiresAt).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(current?.expiresAt).toBeGreaterThan(Date.now() + 4_000);
  });

  it("lets another holder in once the lease expired, with a new token", async () => {
    const l = lease();
    const a = await l.acquire("region-a", 300);
    expect(await l.acquire("region-b", LONG)).toBeNull();
    await sleep(350);
    expect(await l.current()).toBeNull();
    const b = await l.acquire("region-b", LONG);
    expect(b?.token).toBeGreaterThan(a?.token ?? Number.POSITIVE_INFINITY);
    expect(a && (await l.renew(a, LONG))).toBeNull();
    expect(a && (await l.release(a))).toBe(false);
    expect(await l.current()).toMatchObject({ holder: "region-b" });
  });

  it("gives a holder that lost and re-takes the lease a new token", async () => {
    const l = lease();
    const first = await l.acquire("region-a", 100);
    await sleep(150);
    const second = await l.acquire("region-a", LONG);
    expect(second?.token).toBeGreaterThan(first?.token ?? Number.POSITIVE_INFINITY);
  });
});

describe("renew and release", () => {
  it("only the holder with its token may renew or release", async () => {
    const l = lease();
    const a = (await l.acquire("region-a", 1_000)) as Lease;
    expect(await l.renew({ ...a, holder: "region-b" }, LONG)).toBeNull();
    expect(await l.renew({ ...a, token: a.token + 1 }, LONG)).toBeNull();
    expect(await l.release({ ...a, holder: "region-b" })).toBe(false);
    expect(await l.release({ ...a, token: a.token - 1 })).toBe(false);

    const renewed = await l.renew(a, LONG);
    expect(renewed).toMatchObject({ holder: "region-a", token: a.token });
    expect(renewed?.expiresAt).toBeGreaterThan(a.expiresAt);
    expect((await l.current())?.expiresAt).toBeGreaterThan(Date.now() + LONG - 2_000);

    expect(await l.release(a)).toBe(true);
    expect(await l.current()).toBeNull();
    expect(await l.release(a)).toBe(false);
    expect(await l.renew(a, LONG)).toBeNull();
  });

  it("a release frees the lease for the next holder, whose token is larger", async () => {
    const l = lease();
    const a = (await l.acquire("region-a", LONG)) as Lease;
    await l.release(a);
    const b = (await l.acquire("region-b", LONG)) as Lease;
    expect(b.token).toBeGreaterThan(a.token);
  });
});

describe("seize", () => {
  it("takes the lease from a live holder with a new token; the old holder can do nothing", async () => {
    const l = lease();
    const a = (await l.acquire("region-a", LONG)) as Lease;
    const b = await l.seize("region-b", LONG);
    expect(b).toMatchObject({ holder: "region-b" });
    expect(b.token).toBeGreaterThan(a.token);
    expect(await l.renew(a, LONG)).toBeNull();
    expect(await l.release(a)).toBe(false);
    expect(await l.acquire("region-a", LONG)).toBeNull();
    expect(await l.current()).toMatchObject({ holder: "region-b", token: b.token });
    // Seizing what we already hold still moves the token on.
    const again = await l.seize("region-b", LONG);
    expect(again.token).toBeGreaterThan(b.token);
  });
});

describe("the fencing counter", () => {
  it("lives in its own key, survives the lease key, and only grows", async () => {
    const key = leaseKey("lease");
    const l = createRedisLease({ redis: client(), key });
    expect(l.fenceKey).toBe(`${key}:fence`);
    const tokens: number[] = [];
    for (const holder of ["a", "b", "c", "a"]) {
      const held = (await l.acquire(holder, LONG)) as Lease;
      tokens.push(held.token);
      await client().exec(["DEL", key]); // even a lost key never resets the counter
    }
    expect(tokens).toEqual([1, 2, 3, 4]);
    expect(await client().exec(["GET", l.fenceKey])).toBe("4");
  });

  it("reads a holder name that contains the separator", async () => {
    const l = lease();
    const held = (await l.acquire("region|a|1", LONG)) as Lease;
    expect(await l.current()).toMatchObject({ holder: "region|a|1", token: held.token });
    expect(await l.release(held)).toBe(true);
  });

  it("checks its arguments", async () => {
    const l = lease();
    await expect(l.acquire("", LONG)).rejects.toThrow(TypeError);
    await expect(l.acquire("a", 0)).rejects.toThrow(RangeError);
    await expect(l.seize("a", 1.5)).rejects.toThrow(RangeError);
    expect(() => createRedisLease({ redis: client(), key: "k", fenceKey: "k" })).toThrow(TypeError);
  });
});

/**
 * Random operations by three holders on one lease, checked against what a holder may
 * believe. A grant's real expiry lies between `sent + ttl` and `received + ttl`, so:
 * - a new grant (acquire, seize) carries a token larger than every earlier one;
 * - acquire succeeds only when no other holder's unreleased, un-superseded grant could
 *   still be live, and fails only when one could;
 * - renew and release succeed only for the newest grant, and only if it can still be live;
 * - `current()` names the newest grant's holder and token, or nothing once it is surely gone.
 * No two holders ever both hold a live, current grant: a seized holder is superseded, and
 * its token is lower, which is what fencing is for.
 */
describe("property: never two live holders, tokens only grow", () => {
  type Kind = "acquire" | "seize" | "renew" | "release";
  type Op =
    | { kind: Kind; holder: number; short: boolean; stale: boolean }
    | { kind: "wait" }
    | { kind: "current" };
  type Grant = { holder: string; token: number; earliest: number; latest: number };
  const SHORT = 60;
  const act = (kind: Kind, weight: number) => ({
    weight,
    arbitrary: fc.record({
      kind: fc.constant(kind),
      // Holder 0 more often than the others, so one holder piles up superseded tokens.
      holder: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 })),
      short: fc.boolean(),
      stale: fc.boolean(),
    }),
  });
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    act("acquire", 3),
    act("seize", 2),
    act("renew", 3),
    act("release", 2),
    { weight: 1, arbitrary: fc.constant({ kind: "wait" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "current" as const }) },
  );

  it("holds for random sequences over 3 holders", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
        const l = lease();
        const names = ["region-a", "region-b", "region-c"];
        // The newest grant, as the model knows it: who, which token, when its expiry can be.
        // Every lease a holder was ever given stays in its list: renew and release use the
        // latest or (`stale`) the first, so superseded tokens of the same holder are tried too.
        const model: { newest: Grant | null; released: boolean } = {
          newest: null,
          released: false,
        };
        const held: Lease[][] = [[], [], []];
        let maxToken = 0;
        const liveAt = (now: number) =>
          model.newest !== null && !model.released && model.newest.latest > now;
        const surelyLiveAt = (now: number) =>
          model.newest !== null && !model.released && model.newest.earliest > now;

        for (const op of ops) {
          if (op.kind === "wait") {
            await sleep(SHORT + 20);
            continue;
          }
          if (op.kind === "current") {
            const sent = Date.now();
            const current = await l.current();
            const received = Date.now();
            if (current === null) expect(surelyLiveAt(received)).toBe(false);
            else {
              expect(liveAt(sent)).toBe(true);
              expect(current).toMatchObject({
                holder: model.newest?.holder,
                token: model.newest?.token,
              });
            }
            continue;
          }
          const name = names[op.holder] as string;
          const ttl = op.short ? SHORT : LONG;
          const sent = Date.now();
          if (op.kind === "acquire" || op.kind === "seize") {
            const othersLive = (at: number, live: (now: number) => boolean) =>
              model.newest !== null && model.newest.holder !== name && live(at);
            const got = op.kind === "seize" ? await l.seize(name, ttl) : await l.acquire(name, ttl);
            const received = Date.now();
            if (got === null) {
              expect(op.kind).toBe("acquire");
              expect(othersLive(sent, liveAt)).toBe(true);
              continue;
            }
            if (op.kind === "acquire") {
              expect(othersLive(received, surelyLiveAt)).toBe(false);
              // Our own grant, surely still live: re-acquiring keeps its token.
              if (model.newest?.holder === name && surelyLiveAt(received)) {
                expect(got.token).toBe(model.newest.token);
              }
            }
            // Anything but our own live grant again is a new grant: a larger token.
            if (op.kind === "seize" || got.token !== model.newest?.token) {
              expect(got.token).toBeGreaterThan(maxToken);
              maxToken = got.token;
            }
            model.newest = {
              holder: name,
              token: got.token,
              earliest: sent + ttl,
              latest: received + ttl,
            };
            model.released = false;
            held[op.holder]?.push(got);
            continue;
          }
          const list = held[op.holder] ?? [];
          const mine = op.stale ? list[0] : list[list.length - 1];
          if (!mine) continue;
          if (op.kind === "renew") {
            const renewed = await l.renew(mine, ttl);
            const received = Date.now();
            const isNewest = model.newest?.token === mine.token && !model.released;
            if (renewed === null) {
              expect(isNewest && surelyLiveAt(received)).toBe(false);
            } else {
              expect(isNewest && liveAt(sent)).toBe(true);
              expect(renewed.token).toBe(mine.token);
              model.newest = {
                holder: name,
                token: mine.token,
                earliest: sent + ttl,
                latest: received + ttl,
              };
              list.push(renewed);
            }
          } else {
            const ok = await l.release(mine);
            const received = Date.now();
            const isNewest = model.newest?.token === mine.token && !model.released;
            if (ok) {
              expect(isNewest && liveAt(sent)).toBe(true);
              model.released = true;
            } else {
              expect(isNewest && surelyLiveAt(received)).toBe(false);
            }
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
