import { type RunningRouter, startRouter } from "@memoria/edge-router/local/router";
import type { RunningRegion } from "@memoria/gateway/local/region";
import {
  FULL_BAND,
  regionsWith,
  startTopology,
  type Topology,
} from "@memoria/gateway/local/topology";
import type { SyncBackend } from "@memoria/sync-core";
import { Client, type Pool } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { configureNeon, storePool } from "../integration/support.js";
import { eventually } from "./support.js";

/**
 * The multi-region deployment guide's §6 "Validation Checklist", item by item, on real
 * gateways in workerd over each backend. Every request carries the root key (memory
 * routes included), as a client of a keyed deployment does.
 */

const API_KEY = "checklist-api-key-0123456789abcd";
const DAY_MS = 86_400_000;
type Memory = { id: string; text: string; x: number; y: number };

/** A request to a region as a keyed client sends it. */
async function api(
  base: string,
  path: string,
  init: { method?: string; json?: unknown } = {},
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: init.method ?? "GET",
    headers: {
      "x-api-key": API_KEY,
      ...(init.json === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
}

async function write(base: string, body: Record<string, unknown>): Promise<Memory> {
  const response = await api(base, "/memory", { method: "POST", json: body });
  expect(response.status).toBe(201);
  return ((await response.json()) as { memory: Memory }).memory;
}

async function read(base: string, id: string): Promise<Memory | undefined> {
  const response = await api(base, `/memory/${id}`);
  if (response.status === 404) return undefined;
  expect(response.status).toBe(200);
  return ((await response.json()) as { memory: Memory }).memory;
}

/**
 * A LISTEN on the sync channel over its own Postgres connection, as the guide's
 * listeners hold one; when the server drops it, it reconnects and listens again.
 */
class Listener {
  readonly payloads: string[] = [];
  reconnects = 0;
  pid = 0;
  private client: Client | undefined;
  private closed = false;
  constructor(private readonly channel: string) {}

  async start(): Promise<void> {
    const client = new Client(inject("localServices").postgresUrl);
    client.on("notification", (message) => {
      if (message.channel === this.channel) this.payloads.push(message.payload ?? "");
    });
    client.on("error", () => undefined);
    client.on("end", () => {
      if (!this.closed) void this.reconnect();
    });
    await client.connect();
    await client.query(`listen "${this.channel}"`);
    const { rows } = await client.query("select pg_backend_pid() as pid");
    this.pid = Number(rows[0]?.pid);
    this.client = client;
  }

  private async reconnect(): Promise<void> {
    this.reconnects++;
    for (;;) {
      if (this.closed) return;
      try {
        return await this.start();
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }
}

for (const backend of ["postgres", "redis"] as SyncBackend[]) {
  describe(`validation checklist over ${backend}`, () => {
    let topology: Topology;
    let a: RunningRegion;
    let b: RunningRegion;
    let db: Pool;
    let id: string;
    let listener: Listener | undefined;
    /** Region B's journal connections carry this name, so the drill can cut exactly them. */
    const appName = `checklist-b-${crypto.randomUUID().slice(0, 8)}`;
    beforeAll(async () => {
      configureNeon();
      db = storePool();
      const services = inject("localServices");
      id = `ck${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`;
      topology = await startTopology({
        backend,
        endpoints: {
          upstash: services.upstash,
          neon: services.neon,
          postgresUrl: services.postgresUrl,
        },
        id,
        apiKey: API_KEY,
        signingKeys: { k1: "checklist-signing-key-0123456789abcdef" },
        // B starts with the full band; the privacy item sets its floor the guide's way.
        regions: regionsWith({
          "region-b": {
            band: FULL_BAND,
            vars:
              backend === "postgres"
                ? { MEMORIA_SYNC__CONNECT_KWARGS: JSON.stringify({ application_name: appName }) }
                : {},
          },
        }),
        extraVars: { MEMORIA_SYNC__MAX_LAG_SECONDS: "600" },
      });
      a = topology.region("region-a");
      b = topology.region("region-b");
      if (backend === "postgres") {
        listener = new Listener(topology.channel);
        await listener.start();
      }
      await Promise.all([a.scheduled(), b.scheduled()]);
    });
    afterAll(async () => {
      await listener?.close();
      await topology?.stop();
      await db?.end();
    });

    it("1. Sync heartbeat – Trigger a memory write in Region A and confirm Region B receives the corresponding `memoria_sync_events` notification", async () => {
      const heard = listener?.payloads.length ?? 0;
      const memory = await write(a.url, { text: "heartbeat", y: 4, x: 2 });
      await eventually(() => read(b.url, memory.id));
      if (backend !== "postgres" || !listener) return;
      // The write's event is in the journal table, and its NOTIFY reached a listener.
      const { rows } = await db.query(
        `select count(*)::int as n from ${topology.table} where body::jsonb ->> 'entity_id' = $1`,
        [memory.id],
      );
      expect(rows[0]?.n).toBeGreaterThan(0);
      await eventually(async () => ((listener?.payloads.length ?? 0) > heard ? true : undefined));
    });

    it("2. Privacy filters – Create a memory with `y_coord=-12`. Verify it is not replicated when `privacy_floor=0`", async () => {
      const floor = await api(b.url, "/settings", {
        method: "PATCH",
        json: { "sync.privacy_floor": 0 },
      });
      expect(floor.status).toBe(200);
      // Today's API field is `y`; upstream's name `y_coord` arrives with the compatible shapes.
      const secret = await write(a.url, { text: "private note", y: -12 });
      const marker = await write(a.url, { text: "public marker", y: 3 });
      // B has consumed everything up to the marker, the private memory included.
      await eventually(() => read(b.url, marker.id));
      expect(await read(b.url, secret.id)).toBeUndefined();
      expect(await read(a.url, secret.id)).toMatchObject({ y: -12 });
      const { rows } = await db.query(
        // At most a redaction marker (no content) for the record's clock; never its text or y.
        `select count(*)::int as n from "store_b_${id}".memories
          where id = $1 and (status = 'live' or text is not null or y is not null)`,
        [secret.id],
      );
      expect(rows[0]?.n).toBe(0);
    });

    it("3. Scheduler control – Ensure only the leader region decrements `x_coord` by querying the `service_metadata` table across regions", async () => {
      const memory = await write(a.url, { text: "ages a day", y: 1, x: 10 });
      await eventually(() => read(b.url, memory.id));
      const today = new Date();
      const tomorrow = new Date(today.getTime() + DAY_MS);
      const date = tomorrow.toISOString().slice(0, 10);
      // Both regions' crons fire for today (the baseline), then twice for tomorrow.
      const both = (at: Date) =>
        Promise.all([a.scheduled("* * * * *", at), b.scheduled("* * * * *", at)]);
      await both(today);
      await both(tomorrow);
      await both(tomorrow);
      // x is decremented once for the day, in both regions (B by the leader's event).
      for (const region of [a, b])
        await eventually(async () =>
          (await read(region.url, memory.id))?.x === 9 ? true : undefined,
        );
      const runs = await decrementRuns(db, id, date);
      expect(runs).toHaveLength(1);
      const health = (await (await api(a.url, "/health/sync")).json()) as {
        leader: { holder: string } | null;
      };
      expect(runs[0]).toMatchObject({ region: health.leader?.holder, date });
      expect(Date.parse(String(runs[0]?.ran_at))).toBeGreaterThan(today.getTime() - 60_000);
      await both(tomorrow);
      expect((await read(a.url, memory.id))?.x).toBe(9);
      expect(await decrementRuns(db, id, date)).toHaveLength(1);
    });

    if (backend === "postgres")
      it("4. Failover drill – Simulate a shutdown of Region A. Confirm traffic fails over to Region B and that Redis/PostgreSQL listeners reconnect automatically", async () => {
        await failoverDrill(topology, db, listener as Listener, appName);
      });
  });
}

/** Every region's record of running the decrement for `date`: which region, and when. */
async function decrementRuns(db: Pool, id: string, date: string) {
  const runs: Array<Record<string, unknown>> = [];
  for (const schema of [`store_a_${id}`, `store_b_${id}`]) {
    const { rows } = await db.query(
      `select value from "${schema}".service_metadata where key like 'decrement_run:%' and value ->> 'date' = $1`,
      [date],
    );
    runs.push(...rows.map((row) => row.value as Record<string, unknown>));
  }
  return runs;
}

/**
 * A goes down; the router sends reads, then (after promote) writes to B; the test's
 * LISTEN connection and B's own journal connections are killed by the server and come
 * back; A returns on its port and catches up with what B took meanwhile.
 */
async function failoverDrill(
  topology: Topology,
  db: Pool,
  listener: Listener,
  appName: string,
): Promise<void> {
  let a = topology.region("region-a");
  const b = topology.region("region-b");
  const router: RunningRouter = await startRouter({
    regions: topology.regionTable,
    apiKey: API_KEY,
    monitorKey: topology.monitorKey,
    vars: { MEMORIA_ROUTER__BREAKER_COOLDOWN_MS: "1000" },
  });
  try {
    await router.scheduled();
    await a.stop();
    await router.scheduled();
    const served = await eventually(async () => {
      const response = await router.fetch("/memory?limit=5", { headers: { "x-api-key": API_KEY } });
      return response.status === 200 ? response.headers.get("x-memoria-region") : undefined;
    });
    expect(served).toBe("region-b");
    expect((await api(b.url, "/admin/promote", { method: "POST" })).status).toBe(200);
    await router.scheduled();
    const during = await writeThroughRouter(router, "written while A is down");
    // The server drops the listener's connection; it reconnects and hears the next write.
    const oldPid = listener.pid;
    await db.query("select pg_terminate_backend($1)", [oldPid]);
    await eventually(async () =>
      listener.reconnects > 0 && listener.pid !== oldPid ? true : undefined,
    );
    const heard = listener.payloads.length;
    // B's own journal connections are cut over and over while it keeps taking writes.
    const cutting = cutConnections(db, appName, 3_000);
    const meanwhile: Memory[] = [];
    for (let n = 0; n < 5; n++)
      meanwhile.push(await writeThroughRouter(router, `written while B's connections drop ${n}`));
    expect(await cutting).toBeGreaterThan(0);
    await eventually(async () => (listener.payloads.length > heard ? true : undefined));
    // A comes back on its port and catches up with everything B took while it was away.
    a = await topology.restart("region-a");
    await eventually(async () => {
      await a.scheduled();
      const caught = await Promise.all([during, ...meanwhile].map((m) => read(a.url, m.id)));
      return caught.every(Boolean) ? true : undefined;
    }, 40_000);
  } finally {
    await router.stop();
  }
}

async function writeThroughRouter(router: RunningRouter, text: string): Promise<Memory> {
  return eventually(async () => {
    const response = await router.fetch("/memory", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": API_KEY },
      body: JSON.stringify({ text, y: 2 }),
    });
    if (response.status !== 201) return undefined;
    expect(response.headers.get("x-memoria-region")).toBe("region-b");
    return ((await response.json()) as { memory: Memory }).memory;
  });
}

/** Terminates every backend named `appName` every 100 ms for `forMs`; returns how many it cut. */
async function cutConnections(db: Pool, appName: string, forMs: number): Promise<number> {
  let cut = 0;
  const until = Date.now() + forMs;
  while (Date.now() < until) {
    const { rows } = await db.query(
      "select count(*) filter (where pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = $1",
      [appName],
    );
    cut += Number(rows[0]?.n ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return cut;
}
