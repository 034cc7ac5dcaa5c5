/**
 * What the writer put on the transport for each measured write, read from its outbox: the
 * regions each event was sealed for (`sealed.to`; 0 when it went clear) and the event's
 * size as published (its JSON, the bytes every reader pulls).
 */
import type { Pool } from "pg";
import { percentile } from "../../../../test/bench/stats.js";

export interface PublishedForm {
  /** Distinct recipient counts among the events (one value when every write was alike). */
  recipients_per_event: number[];
  /** p50 bytes of an event's JSON. */
  event_bytes_p50: number;
}

export async function publishedForm(
  pg: Pool,
  schema: string,
  memoryIds: string[],
): Promise<PublishedForm> {
  const { rows } = await pg.query<{ k: number; bytes: number }>(
    `select (select count(*) from jsonb_object_keys(body::jsonb #> '{sealed,to}'))::int as k,
            octet_length(body)::int as bytes
     from ${schema}.outbox
     where body::jsonb ->> 'entity_id' = any($1) and body::jsonb ->> 'action' = 'memory.created'`,
    [memoryIds],
  );
  return {
    recipients_per_event: [...new Set(rows.map((row) => row.k))].sort((a, b) => a - b),
    event_bytes_p50: percentile(
      rows.map((row) => row.bytes),
      50,
    ),
  };
}
