import type { Services } from "../services.js";

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
  error?: string;
}

/** Budget of one cycle, so a long backlog never holds an alarm or a cron past its limits. */
const MAX_PULLS = 10;
const PULL_LIMIT = 200;

/**
 * One sync step for a region: publish what the outbox holds, then apply what peers
 * published, until caught up or out of budget. Safe to run concurrently (outbox rows are
 * locked while published; apply is idempotent).
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
  };
  const { transport, keyring, store } = services;
  if (!transport) return report;
  const errors: string[] = [];
  if (store.context.publishing) {
    const relay = await store.relayOutbox(transport);
    report.published = relay.published;
    if (relay.error) errors.push(`publish: ${relay.error}`);
    if (relay.remaining > 0) report.more = true;
  }
  if (keyring) {
    try {
      for (let i = 0; i < MAX_PULLS; i++) {
        const step = await store.consumeOnce(transport, keyring, PULL_LIMIT);
        report.pulled += step.pulled;
        report.rejected += step.rejected;
        report.quarantined += step.apply.quarantined;
        report.applied += step.apply.applied + step.apply["privacy-filtered"] + step.apply.redacted;
        report.more = step.more;
        if (!step.more) break;
      }
    } catch (error) {
      errors.push(`consume: ${(error as Error).message}`);
    }
  }
  if (errors.length > 0) report.error = errors.join("; ");
  await store.writeMetadata("last_sync_cycle", report).catch(() => undefined);
  return report;
}
