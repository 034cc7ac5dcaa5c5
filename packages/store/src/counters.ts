import type { SqlClient } from "./sql.js";
import { SqlParams } from "./statement.js";

/**
 * Metrics live in the store, written in the same transaction as the work they count, so
 * they survive isolate restarts and count each event exactly once.
 */

export type Labels = Record<string, string>;

/** `origin=region-a,le=0.5`: sorted, so one label set is one row. */
export function labelKey(labels: Labels = {}): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(",");
}

export function parseLabelKey(key: string): Labels {
  if (key === "") return {};
  return Object.fromEntries(key.split(",").map((pair) => pair.split("=", 2) as [string, string]));
}

/** Adds to counters in one statement (one row per name+labels). */
export async function addCounters(
  client: SqlClient,
  s: string,
  increments: ReadonlyArray<{ name: string; labels?: Labels; by?: number }>,
): Promise<void> {
  const params = new SqlParams();
  const sql = counterUpsert(s, increments, params);
  if (sql !== undefined) await client.query(sql, params.values);
}

/**
 * The upsert `addCounters` runs, as a part of a larger statement (`writeTogether`);
 * `undefined` when nothing changes. Rows are merged and sorted first: one row per
 * name+labels (a statement may not change a row twice), locked in one order.
 */
export function counterUpsert(
  s: string,
  increments: ReadonlyArray<{ name: string; labels?: Labels; by?: number }>,
  params: SqlParams,
): string | undefined {
  const merged = new Map<string, { name: string; labels: string; by: number }>();
  for (const { name, labels, by = 1 } of increments) {
    if (by === 0) continue;
    const key = `${name}\u0000${labelKey(labels)}`;
    const entry = merged.get(key) ?? { name, labels: labelKey(labels), by: 0 };
    entry.by += by;
    merged.set(key, entry);
  }
  if (merged.size === 0) return undefined;
  const rows = [...merged.values()].sort((a, b) =>
    a.name + a.labels < b.name + b.labels ? -1 : 1,
  );
  return `insert into ${s}.counters (name, labels, value)
     select * from unnest(${params.add(rows.map((r) => r.name))}::text[], ${params.add(rows.map((r) => r.labels))}::text[], ${params.add(rows.map((r) => r.by))}::float8[])
     on conflict (name, labels) do update set value = ${s}.counters.value + excluded.value`;
}

/** Upper bounds (seconds) of the subscription-latency histogram. */
export const LATENCY_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
] as const;

/**
 * Prometheus histogram rows for some observations of one series: per bucket the
 * observations that fall in it (cumulative, as Prometheus buckets are), plus sum and count.
 */
export function histogramIncrements(name: string, labels: Labels, observations: readonly number[]) {
  const values = observations.map((seconds) => Math.max(0, seconds));
  const out: Array<{ name: string; labels: Labels; by: number }> = [];
  for (const le of LATENCY_BUCKETS)
    out.push({
      name: `${name}_bucket`,
      labels: { ...labels, le: String(le) },
      by: values.filter((value) => value <= le).length,
    });
  out.push({ name: `${name}_bucket`, labels: { ...labels, le: "+Inf" }, by: values.length });
  out.push({ name: `${name}_sum`, labels, by: values.reduce((sum, value) => sum + value, 0) });
  out.push({ name: `${name}_count`, labels, by: values.length });
  return out;
}

export interface CounterRow {
  name: string;
  labels: Labels;
  value: number;
}

export async function readCounters(client: SqlClient, s: string): Promise<CounterRow[]> {
  const { rows } = await client.query(
    `select name, labels, value from ${s}.counters order by name, labels`,
  );
  return rows.map((row) => ({
    name: row.name as string,
    labels: parseLabelKey(row.labels as string),
    value: Number(row.value),
  }));
}

/**
 * Events this region published and peer events it applied, each summed over its labels
 * (`/health/sync`'s `events`, from which the router derives events/s): one indexed query,
 * cheap enough for a probe every few seconds.
 */
export async function readEventTotals(
  client: SqlClient,
  s: string,
): Promise<{ published: number; applied: number }> {
  const { rows } = await client.query(
    `select name, sum(value) as total from ${s}.counters
     where name in ('sync_events_published_total', 'sync_events_applied_total') group by name`,
  );
  const total = (name: string) => Number(rows.find((row) => row.name === name)?.total ?? 0);
  return {
    published: total("sync_events_published_total"),
    applied: total("sync_events_applied_total"),
  };
}

/**
 * One `privacy_filtered_events_total` increment. `side` says whose band kept the content
 * back: the `publisher`'s (a write outside the writer's own band, published as a
 * redaction: `direction="outbound"`) or a `subscriber`'s (a peer's event stored without
 * content: `inbound` on apply, `band-change` when a tightened band redacts stored copies).
 */
export function privacyFiltered(
  side: "publisher" | "subscriber",
  direction: "outbound" | "inbound" | "band-change",
  origin: string,
  by = 1,
): { name: string; labels: Labels; by: number } {
  return { name: "privacy_filtered_events_total", labels: { origin, side, direction }, by };
}
