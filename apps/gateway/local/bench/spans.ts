/**
 * Where one event's time goes on its way from a client to a reading region B, from
 * timestamps the path already stores (no gateway changes): the client's send time, the
 * writer A's memories.created_at and outbox.published_at, the transport's own entry time,
 * B's applied_events.applied_at and memories.created_at. Postgres stamps `now()` at the START
 * of each transaction, so each mark is when that step's transaction began. All clocks are
 * this machine's.
 */
import type { SyncBackend } from "@memoria/sync-core";
import { Redis } from "@upstash/redis/cloudflare";
import type { Pool } from "pg";
import { percentile, round } from "../../../../test/bench/stats.js";
import type { LocalEndpoints, Topology } from "../topology.js";

/** One event's marks, ms since the epoch. */
export interface EventMarks {
  memoryId: string;
  sent: number;
  aCommit: number;
  aRelay: number;
  transport: number;
  bApply: number;
  bCommit: number;
}

/** p50 of each step's share, ms (p50s need not add up to the p50 total). */
export interface Spans {
  request_to_commit: number;
  commit_to_relay: number;
  relay_to_transport: number;
  transport_to_apply: number;
  total_commit_to_commit: number;
}

const MAX_ENTRIES = 100_000;
const PAGE = 1_000;

/** The `id` of an event's JSON; `undefined` for anything else (other entries share the stream). */
function eventId(body: string | undefined): string | undefined {
  try {
    const id = (JSON.parse(body ?? "") as { id?: unknown }).id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

/** When the Redis stream took each event: its entry id's millisecond part, by event id. */
async function redisTimes(topology: Topology, endpoints: LocalEndpoints) {
  // Raw replies (as the transport reads them): XRANGE gives [[id, [field, value, …]], …].
  const redis = new Redis({ ...endpoints.upstash, automaticDeserialization: false });
  const times = new Map<string, number>();
  let start = "-";
  for (let read = 0; read < MAX_ENTRIES; read += PAGE) {
    const page = (await redis.xrange(topology.channel, start, "+", PAGE)) as unknown as Array<
      [string, string[]]
    >;
    for (const [entryId, fields] of page) {
      const id = eventId(fields[fields.indexOf("event") + 1]);
      if (id) times.set(id, Number(entryId.split("-")[0]));
    }
    if (page.length < PAGE) break;
    start = `(${page.at(-1)?.[0]}`;
  }
  return times;
}

/** When the journal took each event: its row's published_at (the publishing transaction's start). */
async function postgresTimes(topology: Topology, _endpoints: LocalEndpoints, pg: Pool) {
  const { rows } = await pg.query(
    `select event_id, extract(epoch from published_at) * 1000 as at from ${topology.table}`,
  );
  return new Map(rows.map((row) => [row.event_id as string, Number(row.at)]));
}

const TRANSPORT_TIMES: Record<
  SyncBackend,
  (topology: Topology, endpoints: LocalEndpoints, pg: Pool) => Promise<Map<string, number>>
> = { redis: redisTimes, postgres: postgresTimes };

/** When the transport took each event of the topology's channel, by event id (read once, shared by every reader). */
export function transportTimes(
  pg: Pool,
  options: { backend: SyncBackend; topology: Topology; endpoints: LocalEndpoints },
): Promise<Map<string, number>> {
  return TRANSPORT_TIMES[options.backend](options.topology, options.endpoints, pg);
}

/** Every mark of each written memory that reached `reader` (A's store, A's outbox, B's ledger and store). */
export async function eventMarks(
  pg: Pool,
  options: { topology: Topology; writer: string; reader: string; transport: Map<string, number> },
  sentAt: Map<string, number>,
): Promise<EventMarks[]> {
  const { topology, transport } = options;
  const a = topology.region(options.writer).vars.STORE_SCHEMA;
  const b = topology.region(options.reader).vars.STORE_SCHEMA;
  const ms = (column: string) => `extract(epoch from ${column}) * 1000`;
  const { rows } = await pg.query(
    `select a.id, o.event_id, ${ms("a.created_at")} as a_commit, ${ms("o.published_at")} as a_relay,
            ${ms("l.applied_at")} as b_apply, ${ms("b.created_at")} as b_commit
     from ${a}.memories a
     join ${a}.outbox o
       on o.body::jsonb ->> 'entity_id' = a.id and o.body::jsonb ->> 'action' = 'memory.created'
     join ${b}.applied_events l on l.event_id = o.event_id
     join ${b}.memories b on b.namespace = a.namespace and b.id = a.id
     where a.id = any($1)`,
    [[...sentAt.keys()]],
  );
  return rows.map((row) => ({
    memoryId: row.id as string,
    sent: sentAt.get(row.id) ?? Number.NaN,
    aCommit: Number(row.a_commit),
    aRelay: Number(row.a_relay),
    transport: transport.get(row.event_id) ?? Number.NaN,
    bApply: Number(row.b_apply),
    bCommit: Number(row.b_commit),
  }));
}

export function spans(marks: EventMarks[]): Spans {
  const p50 = (span: (m: EventMarks) => number) =>
    round(percentile(marks.map(span).filter(Number.isFinite), 50), 1);
  return {
    request_to_commit: p50((m) => m.aCommit - m.sent),
    commit_to_relay: p50((m) => m.aRelay - m.aCommit),
    relay_to_transport: p50((m) => m.transport - m.aRelay),
    transport_to_apply: p50((m) => m.bApply - m.transport),
    total_commit_to_commit: p50((m) => m.bCommit - m.aCommit),
  };
}
