/**
 * Sustained apply: a backlog of signed events published first (fast, in large batches),
 * then one consumer — `store.consumeOnce` through the transport client, as a region's
 * sync cycle runs it — kept busy for a fixed time. Events/s over the whole time, and per
 * window so a rate that sags as the store grows shows.
 */
import type { Store } from "@memoria/store";
import type { Keyring, SyncTransport } from "@memoria/sync-core";
import { makeEvents } from "./events.js";
import { perSecond, round } from "./stats.js";

/** Events signed and held in memory at once while filling. */
const FILL_CHUNK = 10_000;
/** Events per publish call while filling (one MULTI/EXEC or one INSERT each). */
const FILL_BATCH = 1_000;
const WINDOW_MS = 5_000;

export interface Backlog {
  events: number;
  /** Publish rate while filling (signing excluded). */
  publish_events_per_s: number;
}

export async function fillBacklog(
  publisher: SyncTransport,
  keyring: Keyring,
  namespace: string,
  count: number,
): Promise<Backlog> {
  let publishMs = 0;
  for (let first = 0; first < count; first += FILL_CHUNK) {
    const events = await makeEvents(keyring, namespace, Math.min(FILL_CHUNK, count - first), first);
    const started = performance.now();
    for (let i = 0; i < events.length; i += FILL_BATCH)
      await publisher.publish(events.slice(i, i + FILL_BATCH));
    publishMs += performance.now() - started;
  }
  return { events: count, publish_events_per_s: round(count / (publishMs / 1000)) };
}

export interface Sustained {
  pull_limit: number;
  seconds: number;
  applied: number;
  events_per_s: number;
  /** Events/s in each consecutive window of WINDOW_MS (the last one may be shorter). */
  windows_events_per_s: number[];
  /** The backlog ran out before the time was up: the rate is over `seconds` only. */
  ran_dry: boolean;
}

export async function sustainedApply(
  store: Store,
  consumer: SyncTransport,
  keyring: Keyring,
  options: { seconds: number; pullLimit: number },
): Promise<Sustained> {
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const windows: number[] = [];
  let window = { started, applied: 0 };
  let applied = 0;
  let ranDry = false;
  for (let step = 0; step < 10_000_000 && performance.now() < deadline; step++) {
    const report = await store.consumeOnce(consumer, keyring, options.pullLimit);
    applied += report.apply.applied;
    window.applied += report.apply.applied;
    if (performance.now() - window.started >= WINDOW_MS) {
      windows.push(round(perSecond(window.applied, window.started)));
      window = { started: performance.now(), applied: 0 };
    }
    if (report.pulled === 0) {
      ranDry = true;
      break;
    }
  }
  if (window.applied > 0) windows.push(round(perSecond(window.applied, window.started)));
  return {
    pull_limit: options.pullLimit,
    seconds: round((performance.now() - started) / 1000, 1),
    applied,
    events_per_s: round(perSecond(applied, started)),
    windows_events_per_s: windows,
    ran_dry: ranDry,
  };
}
