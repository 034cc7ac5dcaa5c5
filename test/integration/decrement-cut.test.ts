import { connect, createServer, type Server, type Socket } from "node:net";
import { regionsWith, startTopology, type Topology } from "@memoria/gateway/local/topology";
import { startNeonEndpoint, startUpstashEndpoint } from "@memoria/local-services";
import type { SyncBackend } from "@memoria/sync-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually } from "../drills/support.js";
import { uid } from "./support.js";

/**
 * Issue 14's reproduction, with both gateways in workerd: a memory created in A (x=10);
 * B promoted; A's transport cut; B's cron runs the next day (B reads 9); the memory's TEXT
 * changed in A, which has not received that day's mark (acknowledged with x=10); the cut
 * heals. Both regions must read 9: the edit did not set x, so the mark still counts.
 * (Before x had its own HLC, both converged on 10.)
 */

const API_KEY = "decrement-cut-api-key-0123456789ab";
const DAY_MS = 86_400_000;

/** A's way to its transport, which the test can cut and heal. */
interface Cut {
  vars: Record<string, string>;
  cut(): Promise<void>;
  heal(): Promise<void>;
  close(): Promise<void>;
}

/** Redis: A reaches Upstash through an endpoint of its own; closing it is A's network cut. */
async function redisCut(): Promise<Cut> {
  const services = inject("localServices");
  const start = (port?: number) =>
    startUpstashEndpoint({
      redisUrl: services.redisUrl,
      token: services.upstash.token,
      ...(port ? { port } : {}),
    });
  let endpoint: Awaited<ReturnType<typeof start>> | undefined = await start();
  const port = endpoint.port;
  return {
    vars: { MEMORIA_SYNC__CONNECTION_URL: endpoint.url },
    cut: async () => {
      await endpoint?.close();
      endpoint = undefined;
    },
    heal: async () => {
      endpoint = await start(port);
    },
    close: async () => {
      await endpoint?.close();
    },
  };
}

/**
 * Postgres: A's journal connection goes through a TCP relay of the test's (its store does
 * not), behind a Neon endpoint of A's own that may reach both; closing the relay and its
 * connections is A's network cut.
 */
async function postgresCut(): Promise<Cut> {
  const services = inject("localServices");
  const pg = new URL(services.postgresUrl);
  const target = { host: pg.hostname, port: Number(pg.port || 5432) };
  const sockets = new Set<Socket>();
  const relay: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      relay.once("error", reject);
      relay.listen(port, "127.0.0.1", () => resolve());
    });
  await listen(0);
  const port = (relay.address() as { port: number }).port;
  const neon = await startNeonEndpoint({
    allow: [`${target.host}:${target.port}`, `127.0.0.1:${port}`],
  });
  const journal = new URL(services.postgresUrl);
  journal.hostname = "127.0.0.1";
  journal.port = String(port);
  const stop = async () => {
    const closed = new Promise<void>((resolve) => relay.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    vars: {
      NEON_WS_PROXY: neon.wsProxy,
      NEON_FETCH_ENDPOINT: neon.fetchEndpoint,
      MEMORIA_SYNC__CONNECTION_URL: journal.toString(),
    },
    cut: stop,
    heal: () => listen(port),
    close: async () => {
      if (relay.listening) await stop();
      await neon.close();
    },
  };
}

interface Memory {
  id: string;
  text: string;
  x: number;
}

for (const backend of ["redis", "postgres"] as SyncBackend[]) {
  describe(`the daily decrement across a transport cut, over ${backend}`, () => {
    let topology: Topology;
    let link: Cut;
    beforeAll(async () => {
      link = backend === "redis" ? await redisCut() : await postgresCut();
      const services = inject("localServices");
      topology = await startTopology({
        backend,
        endpoints: {
          upstash: services.upstash,
          neon: services.neon,
          postgresUrl: services.postgresUrl,
        },
        id: `dc${uid()}`,
        apiKey: API_KEY,
        signingKeys: { k1: "decrement-cut-signing-key-0123456789abcdef" },
        regions: regionsWith({ "region-a": { vars: link.vars } }),
        extraVars: { MEMORIA_SYNC__MAX_LAG_SECONDS: "600" },
      });
    });
    afterAll(async () => {
      await topology?.stop();
      await link?.close();
    });

    const call = (base: string, path: string, init: RequestInit & { json?: unknown } = {}) =>
      fetch(`${base}${path}`, {
        ...init,
        headers: { "x-api-key": API_KEY, "content-type": "application/json" },
        ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
      });
    const read = async (base: string, id: string): Promise<Memory | undefined> => {
      const response = await call(base, `/memory/${id}`);
      return response.status === 200
        ? ((await response.json()) as { memory: Memory }).memory
        : undefined;
    };
    const create = async (json: Record<string, unknown>): Promise<Memory> => {
      const response = await call(topology.region("region-a").url, "/memory", {
        method: "POST",
        json,
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { memory: Memory }).memory;
    };

    it("a text edit in a region the day's mark has not reached does not cancel the mark", async () => {
      const [a, b] = [topology.region("region-a"), topology.region("region-b")];
      const today = new Date();
      // Each region's first cron records today as its decrement baseline.
      await Promise.all([a.scheduled("* * * * *", today), b.scheduled("* * * * *", today)]);
      const memory = await create({ text: "v1", y: 5, x: 10 });
      // Never edited: shows when A has received the day's mark.
      const witness = await create({ text: "witness", y: 5, x: 5 });
      await eventually(async () => ((await read(b.url, witness.id)) ? true : undefined));
      expect((await call(b.url, "/admin/promote", { method: "POST" })).status).toBe(200);

      await link.cut();
      await b.scheduled("* * * * *", new Date(today.getTime() + DAY_MS));
      expect((await read(b.url, memory.id))?.x).toBe(9);
      const edit = await call(a.url, `/memory/${memory.id}`, {
        method: "PUT",
        json: { text: "v2" },
      });
      expect(edit.status).toBe(200);
      expect(((await edit.json()) as { memory: Memory }).memory).toMatchObject({
        text: "v2",
        x: 10,
      });
      await link.heal();

      await eventually(async () => {
        await Promise.all([a.scheduled("* * * * *", today), b.scheduled("* * * * *", today)]);
        const [seenByA, seenByB] = await Promise.all([
          read(a.url, witness.id),
          read(b.url, memory.id),
        ]);
        return seenByA?.x === 4 && seenByB?.text === "v2" ? true : undefined;
      }, 60_000);
      expect(await read(a.url, memory.id)).toMatchObject({ text: "v2", x: 9 });
      expect(await read(b.url, memory.id)).toMatchObject({ text: "v2", x: 9 });
    });
  });
}
