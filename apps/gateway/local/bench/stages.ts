/**
 * Where a sync cycle spends its time, from a region's own counters:
 * `sync_cycle_stage_seconds_total{stage="…"}` over `sync_cycles_total`. Regions that do not
 * export them yet give `undefined`, and the benchmark prints nothing for them.
 */

export interface StageCounters {
  cycles: number;
  /** Seconds spent in each stage, summed over every other label. */
  seconds: Record<string, number>;
}

const SAMPLE = /^([a-z_]+)(?:\{([^}]*)\})?\s+(\S+)/;

export async function readStageCounters(
  regionUrl: string,
  monitorKey: string,
): Promise<StageCounters | undefined> {
  const response = await fetch(`${regionUrl}/metrics`, { headers: { "x-api-key": monitorKey } });
  if (!response.ok) return undefined;
  let cycles: number | undefined;
  const seconds: Record<string, number> = {};
  for (const line of (await response.text()).split("\n")) {
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const [, name, labels = "", value] = match;
    if (name === "sync_cycles_total") cycles = (cycles ?? 0) + Number(value);
    if (name !== "sync_cycle_stage_seconds_total") continue;
    const stage = /stage="([^"]*)"/.exec(labels)?.[1] ?? "unlabelled";
    seconds[stage] = (seconds[stage] ?? 0) + Number(value);
  }
  return cycles === undefined || Object.keys(seconds).length === 0
    ? undefined
    : { cycles, seconds };
}

export interface StageMeans {
  /** Cycles B ran between the two reads. */
  cycles: number;
  /** Mean ms per cycle spent in each stage. */
  ms_per_cycle: Record<string, number>;
}

/** Seconds spent in each stage between two reads; `undefined` without counters. */
export function stageSeconds(
  before: StageCounters | undefined,
  after: StageCounters | undefined,
): { cycles: number; seconds: Record<string, number> } | undefined {
  if (!before || !after) return undefined;
  const seconds: Record<string, number> = {};
  for (const [stage, total] of Object.entries(after.seconds))
    seconds[stage] = total - (before.seconds[stage] ?? 0);
  return { cycles: after.cycles - before.cycles, seconds };
}

const perMs = (seconds: number, count: number) => Math.round((seconds / count) * 1e5) / 100;

/** Each stage's mean per cycle between two reads; `undefined` without counters or cycles. */
export function stageMeans(
  before: StageCounters | undefined,
  after: StageCounters | undefined,
): StageMeans | undefined {
  const spent = stageSeconds(before, after);
  if (!spent || spent.cycles <= 0) return undefined;
  const ms = Object.fromEntries(
    Object.entries(spent.seconds).map(([stage, s]) => [stage, perMs(s, spent.cycles)]),
  );
  return { cycles: spent.cycles, ms_per_cycle: ms };
}

/** Each stage's ms per event between two reads (a writer's relay and wake per write). */
export function stagePerEvent(
  before: StageCounters | undefined,
  after: StageCounters | undefined,
  events: number,
): Record<string, number> | undefined {
  const spent = stageSeconds(before, after);
  if (!spent || events <= 0) return undefined;
  return Object.fromEntries(
    Object.entries(spent.seconds).map(([stage, s]) => [stage, perMs(s, events)]),
  );
}
