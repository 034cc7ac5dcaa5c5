/**
 * Test helpers shared by the Node and the workerd suites (no Node API here). Each suite
 * works in its own schema `t_<random>`, which it creates and drops itself.
 */
import { formatHlc, newEventId, type SyncEvent } from "@memoria/sync-core";
import type { SqlNotification, SqlPool } from "./sql.js";
import { withClient } from "./sql.js";

export function randomName(prefix = "t"): string {
  return `${prefix}_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
}

let counter = 0;

/** A valid memory event; the payload has non-ASCII text and key orders to preserve. */
export function memoryEvent(overrides: Partial<SyncEvent> = {}): SyncEvent {
  const wall = Date.now();
  counter += 1;
  return {
    v: 1,
    id: newEventId(wall),
    action: "memory.created",
    entity_type: "memory",
    entity_id: `mem-${counter}`,
    namespace: "prod-shared",
    origin: "region-a",
    hlc: formatHlc({ wall, counter: counter % 10_000, node: "region-a" }),
    privacy: 5,
    created_at: new Date(wall).toISOString(),
    payload: { z: 0, text: `ciel bleu — 空 ${counter} \u2028`, a: [1, 2.5, "x"], y: 5 },
    ...overrides,
  };
}

export async function sql(
  pool: SqlPool,
  text: string,
  params?: unknown[],
): Promise<Array<Record<string, unknown>>> {
  return withClient(pool, async (client) => (await client.query(text, params)).rows);
}

/** Creates a schema only this suite uses. */
export async function createSchema(pool: SqlPool, schema: string): Promise<void> {
  if (!/^t_[a-z0-9_]+$/.test(schema)) throw new Error(`not a test schema: ${schema}`);
  await sql(pool, `create schema "${schema}"`);
}

/** Drops a schema this suite created (never anything else). */
export async function dropSchema(pool: SqlPool, schema: string): Promise<void> {
  if (!/^t_[a-z0-9_]+$/.test(schema)) throw new Error(`not a test schema: ${schema}`);
  await sql(pool, `drop schema if exists "${schema}" cascade`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined, bounded in time. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 5_000, intervalMs = 20, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/**
 * Waits until every transaction older than the given cursors' has finished, i.e. until
 * a pull can see them. Other suites (and other packages' tests) share the server, and a
 * transaction of theirs that is older than ours rightly holds our rows back for a while.
 */
export async function settled(pool: SqlPool, cursors: readonly string[]): Promise<void> {
  let newest = 0n;
  for (const cursor of cursors) {
    const txid = BigInt(cursor.slice(0, cursor.indexOf(":")));
    if (txid > newest) newest = txid;
  }
  await eventually(
    async () => {
      const [row] = await sql(pool, "select pg_snapshot_xmin(pg_current_snapshot())::text as x");
      return BigInt(String(row?.x)) > newest ? true : undefined;
    },
    { timeoutMs: 20_000, what: "older transactions to finish" },
  );
}

/**
 * LISTENs on `channel` on a dedicated connection and calls `onWake` with each notified
 * cursor (what `publish` sends at commit). Resolves once listening; the returned
 * function UNLISTENs and releases the client, and may be called twice. Test-only: the
 * gateway polls (LISTEN lives only as long as a request in workerd).
 */
export async function listen(
  pool: SqlPool,
  channel: string,
  onWake: (cursor: string) => void,
): Promise<() => Promise<void>> {
  const client = await pool.connect();
  const on = client.on?.bind(client);
  const off = client.removeListener?.bind(client);
  if (on === undefined || off === undefined) {
    client.release();
    throw new TypeError("listen() needs a pool whose clients emit events (Neon Pool or pg)");
  }
  let failed: Error | undefined;
  const onNotification = (message: SqlNotification) => {
    if (message.channel === channel) onWake(message.payload ?? "");
  };
  const onError = (error: Error) => {
    failed = error;
  };
  on("notification", onNotification);
  on("error", onError);
  await client.query(`listen "${channel}"`);
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    if (failed === undefined) await client.query(`unlisten "${channel}"`);
    off("notification", onNotification);
    off("error", onError);
    client.release(failed ?? false);
  };
}
