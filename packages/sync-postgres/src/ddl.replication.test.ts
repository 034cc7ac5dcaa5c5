/**
 * `journalDdl` is what local-services' logical-replication option takes as `schemaSql`:
 * a private primary (wal_level=logical) publishes the journal, a second cluster
 * subscribes, and a published event arrives there byte for byte. Both clusters are
 * private to this test (the launcher refuses a shared server for replication).
 */
import { startLocalServices } from "@memoria/local-services";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { journalDdl } from "./ddl.js";
import { eventually, memoryEvent } from "./pg.testkit.js";
import { PostgresTransport } from "./transport.js";

describe("journalDdl as local-services' schemaSql", () => {
  it("replicates the journal to a logical subscriber", async () => {
    const table = "infra.memoria_sync_events";
    const services = await startLocalServices({
      noRedis: true,
      handleSignals: false,
      postgresLogicalReplica: { schemaSql: journalDdl(table), tables: [table] },
    });
    const primary = new pg.Pool({ connectionString: services.postgres?.url, max: 2 });
    const replica = new pg.Pool({ connectionString: services.postgresReplica?.url, max: 1 });
    // pool.end() resolves before every socket is closed; the servers' shutdown (57P01)
    // can then reach a client that is ending, which must not become an uncaught error.
    for (const p of [primary, replica]) {
      p.on("error", () => {});
      p.on("connect", (client) => client.on("error", () => {}));
    }
    try {
      const transport = new PostgresTransport({ pool: primary, region: "region-a", table });
      const events = [memoryEvent(), memoryEvent({ privacy: null })];
      const cursors = await transport.publish(events);
      const rows = await eventually(
        async () => {
          const { rows } = await replica.query(
            `select id::text as id, body from infra.memoria_sync_events order by id`,
          );
          return rows.length === 2 ? rows : undefined;
        },
        { timeoutMs: 15_000, what: "rows on the subscriber" },
      );
      expect(rows.map((r) => r.body)).toEqual(events.map((e) => JSON.stringify(e)));
      expect(rows.map((r) => r.id)).toEqual(cursors.map((c) => c.split(":")[1]));
    } finally {
      await Promise.allSettled([primary.end(), replica.end()]);
      await services.stop();
    }
  }, 60_000);
});
