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

/** A cycle's stages: `relay` (outbox to transport), `wake` (hints to peers), `consume` (pull, verify, apply, ack). */
export type CycleStage = "relay" | "wake" | "consume";

/** Budget of one cycle, so a long backlog never holds an alarm or a cron past its limits. */
const MAX_PULLS = 10;
const PULL_LIMIT = 200;

export function emptyReport(): CycleReport {
  return {
    at: new Date().toISOString(),
    published: 0,
    applied: 0,
    pulled: 0,
    rejected: 0,
    quarantined: 0,
    more: false,
    stages_ms: { relay: 0, wake: 0, consume: 0 },
  };
}

/**
 * One sync step for a region: publish what the outbox holds (`relayStep`) while applying
 * what peers published (`consumeStep`), then keep the report. Safe to run concurrently
 * (outbox rows are locked while published; apply is idempotent). The cron runs it; the
 * puller runs the two steps apart, so a local write's relay never waits on a consume.
 */
export async function runSyncCycle(services: Services): Promise<CycleReport> {
  const report = emptyReport();
  // Relay and consume touch different rows and hold a connection each: side by side.
  await Promise.all([relayStep(services, report), consumeStep(services, report)]);
  await recordCycle(services, report);
  return report;
}

/**
 * Publishes the outbox; the moment events are on the transport (before they are marked
 * published) signed wake-up hints go to every peer, whose puller then pulls at once.
 */
export async function relayStep(
  services: Services,
  report: CycleReport,
  expectingEvents = false,
): Promise<void> {
  const { store, transport } = services;
  if (!transport || !store.context.publishing) return;
  let waking: Promise<void> | undefined;
  await timed(report, "relay", async () => {
    const relayed = await store.relayOutbox(transport, {
      expectingEvents,
      onPublished: () => {
        waking = timed(report, "wake", () => wake(services));
      },
    });
    report.published += relayed.published;
    if (relayed.error) addError(report, `publish: ${relayed.error}`);
    if (relayed.remaining > 0) report.more = true;
  });
  await waking;
}

/** Pulls, verifies and applies peers' events until caught up or out of budget. */
export async function consumeStep(services: Services, report: CycleReport): Promise<void> {
  const { store, transport, keyring } = services;
  if (!transport || !keyring) return;
  await timed(report, "consume", async () => {
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
      addError(report, `consume: ${(error as Error).message}`);
    }
  });
}

/**
 * Keeps the report for `/health/sync` and adds stage times to the counters (one
 * statement): this cycle's, or (`totals`) those of the `cycles` runs since the last record.
 */
export async function recordCycle(
  services: Services,
  report: CycleReport,
  totals: { stages_ms: CycleReport["stages_ms"]; cycles: number } = {
    stages_ms: report.stages_ms,
    cycles: 1,
  },
): Promise<void> {
  const seconds = Object.fromEntries(
    Object.entries(totals.stages_ms).map(([stage, ms]) => [stage, ms / 1000]),
  );
  await services.store.recordSyncCycle(report, seconds, totals.cycles).catch(() => undefined);
}

function wake(services: Services): Promise<void> {
  return sendWakeHints(services).catch((error: unknown) =>
    services.log.warn("sync.wake_hints_failed", { error }),
  );
}

function addError(report: CycleReport, error: string): void {
  report.error = report.error ? `${report.error}; ${error}` : error;
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
