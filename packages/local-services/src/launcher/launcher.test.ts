import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { neon, neonConfig, Pool } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis";
import { describe, expect, inject, it } from "vitest";
import ws from "ws";
import { configureNeonForLocal } from "../client";
import "../testing/provided";
import { canConnect, LOOPBACK, waitUntil } from "../net";
import { type LocalServices, startLocalServices } from "./launcher";
import { descendants, liveManagedProcesses, processExists } from "./process";

/** Ports, processes and dirs of one start, to check after its stop. */
function footprint(services: LocalServices) {
  const ports = [
    services.redis?.port,
    services.redisReplica?.port,
    services.postgres?.port,
    services.postgresReplica?.port,
    services.upstash?.endpoint.port,
    services.upstashReplica?.endpoint.port,
    services.neon?.endpoint.port,
  ].filter((port): port is number => port !== undefined);
  const pids = services.pids().flatMap((pid) => [pid, ...descendants(pid)]);
  const dirs = [services.postgres?.server?.dataDir, services.postgresReplica?.server?.dataDir]
    .filter((dir): dir is string => dir !== undefined)
    .map((dir) => dirname(dir));
  for (const server of [services.redis?.server, services.redisReplica?.server]) {
    if (server) dirs.push(dirname(server.logFile));
  }
  return { ports, pids, dirs };
}

async function expectNothingLeft({ ports, pids, dirs }: ReturnType<typeof footprint>) {
  expect(pids.filter(processExists)).toEqual([]);
  const open = [];
  for (const port of ports) if (await canConnect(LOOPBACK, port, 200)) open.push(port);
  expect(open).toEqual([]);
  expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
  expect(liveManagedProcesses()).toEqual([]);
}

describe("startLocalServices", () => {
  it("20 start/stop cycles (private Redis and Postgres, both endpoints) leave nothing behind", async () => {
    const started = Date.now();
    for (let cycle = 0; cycle < 20; cycle++) {
      const services = await startLocalServices({ handleSignals: false });
      const seen = footprint(services);
      expect(seen.pids.length).toBeGreaterThanOrEqual(2 + 4); // redis, postmaster and its helpers
      expect(seen.ports).toHaveLength(4);
      // Every endpoint answers before it is stopped.
      const redis = new Redis({
        url: services.upstash?.url ?? "",
        token: services.upstash?.token ?? "",
      });
      expect(await redis.ping()).toBe("PONG");
      neonConfig.fetchEndpoint = services.neon?.fetchEndpoint ?? "";
      const sql = neon(services.postgres?.url ?? "");
      expect(await sql`SELECT ${cycle}::int AS cycle`).toEqual([{ cycle }]);
      await services.stop();
      await expectNothingLeft(seen);
    }
    // A cycle is a copy of an initdb template and two server starts, not an initdb.
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);

  it("carries a write from primary to replica: Redis replicaof and Postgres logical replication", async () => {
    const services = await startLocalServices({
      handleSignals: false,
      redisReplica: true,
      postgresLogicalReplica: true,
    });
    const seen = footprint(services);
    try {
      const { upstash, upstashReplica, neon: neonInfo, postgres, postgresReplica } = services;
      if (!upstash || !upstashReplica || !neonInfo || !postgres || !postgresReplica) {
        throw new Error("services missing");
      }
      // Redis: written through the primary's endpoint, read through the replica's.
      const primary = new Redis({ url: upstash.url, token: upstash.token });
      const replica = new Redis({ url: upstashReplica.url, token: upstashReplica.token });
      await primary.xadd("journal", "*", { event: "e1" });
      await primary.set("greeting", "héllo");
      await waitUntil(async () => (await replica.get("greeting")) === "héllo", {
        what: "the Redis replica to receive the write",
        timeoutMs: 10_000,
      });
      expect(await replica.xlen("journal")).toBe(1);
      await expect(replica.set("greeting", "nope")).rejects.toThrow(/READONLY/);

      // Postgres: inserted on the primary over the WebSocket proxy, read on the
      // subscriber over /sql.
      configureNeonForLocal(neonConfig, neonInfo, { webSocketConstructor: ws });
      const pool = new Pool({ connectionString: postgres.url });
      try {
        await pool.query(
          `INSERT INTO memoria_sync_events (event_id, namespace, origin, privacy, hlc, payload)
           VALUES ($1, 'ns', 'region-a', 3, '1:0:a', $2)`,
          ["evt-1", { text: "hello" }],
        );
      } finally {
        await pool.end();
      }
      const secondary = neon(postgresReplica.url);
      await waitUntil(
        async () =>
          (await secondary`SELECT 1 FROM memoria_sync_events WHERE event_id = 'evt-1'`).length ===
          1,
        { what: "logical replication to carry the row", timeoutMs: 15_000, intervalMs: 100 },
      );
      const [row] =
        await secondary`SELECT origin, payload FROM memoria_sync_events WHERE event_id = 'evt-1'`;
      expect(row).toEqual({ origin: "region-a", payload: { text: "hello" } });
    } finally {
      await services.stop();
    }
    await expectNothingLeft(seen);
  }, 60_000);

  it("stops what it started when a later step fails", async () => {
    await expect(
      startLocalServices({
        handleSignals: false,
        redisBinary: "/nonexistent/redis-server",
        noPostgres: true,
      }),
    ).rejects.toThrow(/redis-server/);
    await expect(
      startLocalServices({
        handleSignals: false,
        noRedis: true,
        postgresUrl: "postgresql://postgres@127.0.0.1:5432/test",
        postgresLogicalReplica: true,
      }),
    ).rejects.toThrow(/needs a primary this launcher starts/);
    // Redis started, then the Neon endpoint cannot bind its port: Redis is stopped again.
    const blocker = await startLocalServices({ handleSignals: false, noPostgres: true });
    try {
      await expect(
        startLocalServices({ handleSignals: false, neonPort: blocker.upstash?.endpoint.port ?? 0 }),
      ).rejects.toThrow(/EADDRINUSE/);
      expect(liveManagedProcesses().map((p) => p.pid)).toEqual(blocker.pids());
    } finally {
      await blocker.stop();
    }
    expect(liveManagedProcesses()).toEqual([]);
  }, 60_000);

  it("reuses servers it is given and starts only the endpoints", async () => {
    const { redisUrl, postgresUrl } = inject("localServices");
    const services = await startLocalServices({ handleSignals: false, redisUrl, postgresUrl });
    try {
      expect(services.pids()).toEqual([]);
      expect(services.redis?.server).toBeUndefined();
      expect(services.neon?.endpoint.allowed()).toEqual([`127.0.0.1:${services.postgres?.port}`]);
      const redis = new Redis({
        url: services.upstash?.url ?? "",
        token: services.upstash?.token ?? "",
      });
      expect(await redis.ping()).toBe("PONG");
    } finally {
      await services.stop();
    }
  });
});
