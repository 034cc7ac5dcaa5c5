/**
 * What each added region costs, per backend: one row per topology size with the propagation
 * across readers, the writer's publish cost (its write request, which seals for every
 * recipient and signs; the relay's and the wake-up hints' time; its workerd CPU per event)
 * and the change per added region from the size before.
 */

import type { Quantiles } from "../../../../test/bench/stats.js";
import { round } from "../../../../test/bench/stats.js";

/** The fields of one topology's results that the fan-out reads. */
export interface SizeResult {
  regions: number;
  propagation_ms: Quantiles;
  x_floor: Quantiles;
  write_request_ms: Quantiles;
  spans_ms: { commit_to_relay: number; relay_to_transport: number };
  publish: {
    recipients_per_event: number[];
    event_bytes_p50: number;
    writer_stage_ms_per_event?: Record<string, number>;
    writer_cpu_ms_per_event: { total: number; net_of_idle: number } | null;
  };
  readers_cpu_ms_per_event: { mean: number; net_of_idle_mean: number } | null;
  cpu_s_per_1000_events: { total: number };
}

/** The figures compared across sizes (and differenced per added region). */
function figures(run: SizeResult) {
  return {
    propagation_p50_ms: run.propagation_ms.p50,
    propagation_p99_ms: run.propagation_ms.p99,
    write_request_p50_ms: run.write_request_ms.p50,
    write_request_p99_ms: run.write_request_ms.p99,
    relay_to_transport_ms: run.spans_ms.relay_to_transport,
    writer_relay_ms_per_event: run.publish.writer_stage_ms_per_event?.relay ?? Number.NaN,
    writer_wake_ms_per_event: run.publish.writer_stage_ms_per_event?.wake ?? Number.NaN,
    writer_cpu_ms_per_event: run.publish.writer_cpu_ms_per_event?.net_of_idle ?? Number.NaN,
    reader_cpu_ms_per_event: run.readers_cpu_ms_per_event?.net_of_idle_mean ?? Number.NaN,
    event_bytes: run.publish.event_bytes_p50,
    cpu_s_per_1000_events: run.cpu_s_per_1000_events.total,
  };
}
type Figures = ReturnType<typeof figures>;

/** (this − before) / regions added, for every figure. */
function perAddedRegion(now: Figures, nowN: number, before: Figures, beforeN: number): Figures {
  const added = nowN - beforeN;
  return Object.fromEntries(
    Object.entries(now).map(([key, value]) => [
      key,
      round((value - (before[key as keyof Figures] as number)) / added, 2),
    ]),
  ) as Figures;
}

export function fanOutRows(runs: SizeResult[]) {
  const sorted = [...runs].sort((a, b) => a.regions - b.regions);
  return sorted.map((run, i) => {
    const before = sorted[i - 1];
    const own = figures(run);
    return {
      regions: run.regions,
      recipients_per_event: run.publish.recipients_per_event,
      x_floor: run.x_floor,
      commit_to_relay_ms: run.spans_ms.commit_to_relay,
      ...own,
      per_added_region: before
        ? perAddedRegion(own, run.regions, figures(before), before.regions)
        : null,
    };
  });
}
export type FanOutRow = ReturnType<typeof fanOutRows>[number];

const COLUMNS: Array<[string, (row: FanOutRow) => string]> = [
  ["N", (r) => `${r.regions}`],
  ["k", (r) => r.recipients_per_event.join("/")],
  ["prop p50/p99 ms", (r) => `${r.propagation_p50_ms} / ${r.propagation_p99_ms}`],
  ["×floor p50/p99", (r) => `${r.x_floor.p50} / ${r.x_floor.p99}`],
  ["write p50/p99 ms", (r) => `${r.write_request_p50_ms} / ${r.write_request_p99_ms}`],
  ["relay+wake ms/ev", (r) => `${r.writer_relay_ms_per_event} + ${r.writer_wake_ms_per_event}`],
  ["writer CPU ms/ev", (r) => `${r.writer_cpu_ms_per_event}`],
  ["reader CPU ms/ev", (r) => `${r.reader_cpu_ms_per_event}`],
  ["bytes", (r) => `${r.event_bytes}`],
  [
    "Δ/region: prop p50, write p50, writer CPU",
    (r) =>
      r.per_added_region
        ? `${r.per_added_region.propagation_p50_ms}, ${r.per_added_region.write_request_p50_ms}, ${r.per_added_region.writer_cpu_ms_per_event}`
        : "-",
  ],
];

/** The fan-out as a text table, one line per backend and size. */
export function fanOutTable(fanOut: Record<string, FanOutRow[]>): string {
  const widths = COLUMNS.map(([title]) => Math.max(title.length, 8) + 2);
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 10)).join("");
  const rows = Object.entries(fanOut).flatMap(([backend, runs]) =>
    runs.map((run) => `${backend.padEnd(10)}${line(COLUMNS.map(([, cell]) => cell(run)))}`),
  );
  return [`${"".padEnd(10)}${line(COLUMNS.map(([title]) => title))}`, ...rows].join("\n");
}
