import type { Services } from "../services.js";
import { sendWakeHints } from "./wake.js";

export interface CycleReport {
  at: string;
  published: number;
  applied: number;
  pulled: number;
  rejected: number;
  /** Verified events that could not be applied: kept as dead letters, the stream went on. */
  quarantined: number;
  /** Entries were left for the next cycle (more than this cycle's budget). */
  more: boolean;
  /** Where the cycle's time went (also counted in `sync_cycle_stage_seconds_total`). */
  stages_ms: Record<CycleStage, number>;
  error?: string;
}

/** A cycle's stages: `relay` (outbox to transport), `wake` (hints to peers, alongside the consume), `consume` (pull, verify, apply, ack). */
export type CycleStage = "relay" | "wake" | "consume";

/** Budget of one cycle, so a long backlog never holds an alarm or a cron past its limits. */
const MAX_PULLS = 10;
const PULL_LIMIT = 200;

/**
 * One sync step for a region: publish what the outbox holds and, if anything went out,
 * tell the peers (they pull at once instead of at their next poll); meanwhile apply what
 * peers published, until caught up or out of budget. Safe to run concurrently (outbox
 * rows are locked while published; apply is idempotent).
 */
export async function runSyncCycle(services: Services): Promise<CycleReport> {
  const report: CycleReport = {
    at: new Date().toISOString(),
    published: 0,
    applied: 0,
    pulled: 0,
    rejected: 0,
    quarantined: 0,
    more: false,
    stages_ms: { relay: 0, wake: 0, consume: 0 },
  };
  if (!services.transport) return report;
  const errors: string[] = [];
  // Relay and consume touch different rows and hold a connection each: they run side by side.
  const relayed = timed(report, "relay", () => relay(services, report, errors)).then(() =>
    report.published > 0 ? timed(report, "wake", () => wake(services)) : undefined,
  );
  await Promise.all([relayed, timed(report, "consume", () => consume(services, report, errors))]);
  if (errors.length > 0) report.error = errors.join("; ");
  const seconds = Object.fromEntries(
    Object.entries(report.stages_ms).map(([stage, ms]) => [stage, ms / 1000]),
  );
  await services.store.recordSyncCycle(report, seconds).catch(() => undefined);
  return report;
}

async function relay(services: Services, report: CycleReport, errors: string[]): Promise<void> {
  const { store, transport } = services;
  if (!transport || !store.context.publishing) return;
  const relayed = await store.relayOutbox(transport);
  report.published = relayed.published;
  if (relayed.error) errors.push(`publish: ${relayed.error}`);
  if (relayed.remaining > 0) report.more = true;
}

function wake(services: Services): Promise<void> {
  return sendWakeHints(services).catch((error: unknown) =>
    services.log.warn("sync.wake_hints_failed", { error }),
  );
}

async function consume(services: Services, report: CycleReport, errors: string[]): Promise<void> {
  const { store, transport, keyring } = services;
  if (!transport || !keyring) return;
  try {
    for (let i = 0; i < MAX_PULLS; i++) {
      const step = await store.consumeOnce(transport, keyring, PULL_LIMIT);
      report.pulled += step.pulled;
      report.rejected += step.rejected;
      report.quarantined += step.apply.quarantined;
      report.applied += step.apply.applied + step.apply["privacy-filtered"] + step.apply.redacted;
      report.more ||= step.more;
      if (!step.more) break;
    }
  } catch (error) {
    errors.push(`consume: ${(error as Error).message}`);
  }
}

/** Wall time of one stage (in workerd the clock moves on I/O, which is what stages wait on). */
async function timed(report: CycleReport, stage: CycleStage, run: () => Promise<unknown>) {
  const started = Date.now();
  try {
    await run();
  } finally {
    report.stages_ms[stage] += Date.now() - started;
  }
}
