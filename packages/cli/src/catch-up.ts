import { type CatchUpPage, catchUpPage, createMemoriaClient } from "@memoria/client";
import { type CatchUpTotals, zeroCatchUpTotals } from "@memoria/sync-core";
import {
  type CatchUpProgress,
  formatSeconds,
  type ProgressDisplay,
  progressDisplay,
  rate,
} from "./catch-up-progress.js";

/** One `POST /sync/catch-up` answer, as the gateway's OpenAPI document describes it. */
/** Counts of a catch-up (one page, or all pages summed): sync-core's contract. */
export type { CatchUpPage, CatchUpTotals };

export interface CatchUpOptions {
  gateway: string;
  apiKey: string;
  /** ISO time (`parseSince`). */
  since: string;
  /** Resume after this cursor (a previous run's `--after` hint). */
  after?: string;
  /** Stop once this many entries were read. */
  limit?: number;
  dryRun?: boolean;
  /** Entries per request. @default 1000 */
  pageSize?: number;
}

export interface CatchUpRun {
  outcome: "done" | "limit" | "failed";
  totals: CatchUpTotals;
  pages: number;
  elapsedMs: number;
  /** Resume after this cursor: the last entry a page answered for. */
  next: string | null;
  error?: Error;
}

const TOTAL_KEYS = [
  "read",
  "applied",
  "duplicate",
  "rejected",
  "filtered",
  "quarantined",
  "unchanged",
] as const;

/** `1h`, `30m`, `2d` before now, or an ISO-8601 time. */
export function parseSince(value: string, now = Date.now()): string {
  const relative = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      relative[2] as "s" | "m" | "h" | "d"
    ];
    return new Date(now - Number(relative[1]) * unit).toISOString();
  }
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new RangeError(`--since: not a time or a duration (1h, 30m, 2d): ${value}`);
  return new Date(time).toISOString();
}

/**
 * `memoria sync catch-up --since T`: asks the region for page after page of what the
 * transport holds since T (each applied there through the live path; its ledger makes
 * overlap harmless) until the region says `done`, `--limit` is reached, or a request
 * fails. Never throws for a failed request: the run says how far it got instead.
 */
export async function runCatchUp(
  options: CatchUpOptions,
  display?: ProgressDisplay,
): Promise<CatchUpRun> {
  const started = Date.now();
  const run: CatchUpRun = {
    outcome: "done",
    totals: zeroCatchUpTotals(),
    pages: 0,
    elapsedMs: 0,
    next: options.after ?? null,
  };
  // With --after the transport's count since T would include what was already done: rate only.
  let total: CatchUpProgress["total"] = null;
  try {
    for (;;) {
      const left = (options.limit ?? Number.POSITIVE_INFINITY) - run.totals.read;
      if (left <= 0) {
        run.outcome = "limit";
        break;
      }
      const page = await requestPage(
        options,
        run.next,
        Math.min(options.pageSize ?? 1_000, left),
        run.pages === 0 && !options.after,
      );
      if (page.total !== undefined) total = page.total;
      for (const key of TOTAL_KEYS) run.totals[key] += page[key];
      run.pages += 1;
      run.next = page.next ?? run.next;
      run.elapsedMs = Date.now() - started;
      display?.page({
        read: run.totals.read,
        pages: run.pages,
        elapsedMs: run.elapsedMs,
        total,
        next: run.next,
      });
      if (page.done) break;
    }
  } catch (error) {
    run.outcome = "failed";
    run.error = error as Error;
  }
  display?.end();
  run.elapsedMs = Date.now() - started;
  return run;
}

function requestPage(
  options: CatchUpOptions,
  after: string | null,
  limit: number,
  estimate: boolean,
): Promise<CatchUpPage> {
  // A page is bounded on the gateway (its limit and time budget); the timeout covers a slow link.
  const client = createMemoriaClient({
    baseUrl: options.gateway,
    apiKey: options.apiKey,
    timeoutMs: 60_000,
  });
  return catchUpPage(client, {
    since: options.since,
    limit,
    ...(after ? { after } : {}),
    ...(options.dryRun ? { dry_run: true } : {}),
    ...(estimate ? { estimate: true } : {}),
  });
}

/**
 * What the operator reads at the end: the counts, then pages, time and rate, then (when
 * it did not finish) the exact command that continues from where it stopped.
 */
export function summarize(options: CatchUpOptions, run: CatchUpRun): string[] {
  const t = run.totals;
  const verb = (done: string, would: string) => (options.dryRun ? `would ${would}` : done);
  const counts = [
    `read ${t.read}`,
    `${verb("applied", "apply")} ${t.applied}`,
    `already applied ${t.duplicate}`,
    `${verb("filtered", "filter")} ${t.filtered}`,
    `${verb("rejected", "reject")} ${t.rejected}`,
    `${verb("quarantined", "quarantine")} ${t.quarantined}`,
    `unchanged ${t.unchanged}`,
  ].join(", ");
  const seconds = run.elapsedMs / 1000;
  const pace = `${run.pages} pages in ${seconds.toFixed(1)} s, ${Math.round(rate({ read: t.read, elapsedMs: run.elapsedMs }))} events/s`;
  const resume = `memoria sync catch-up --since ${options.since}${run.next ? ` --after ${run.next}` : ""} --url ${options.gateway}${options.dryRun ? " --dry-run" : ""}`;
  const mode = options.dryRun ? "dry run, nothing applied; " : "";
  if (run.outcome === "done") return [`caught up since ${options.since}: ${mode}${counts}`, pace];
  if (run.outcome === "limit")
    return [
      `stopped at limit ${options.limit}, more remain, since ${options.since}: ${mode}${counts}`,
      pace,
      `continue with: ${resume}`,
    ];
  return [
    `catch-up could not finish: ${run.error?.message ?? "unknown error"}`,
    `got through ${run.pages} pages (${formatSeconds(seconds)}) before it stopped: ${mode}${counts}`,
    `resume with: ${resume}`,
  ];
}

/** The `memoria sync catch-up` flags, as `parseArgs` read them. */
export interface CatchUpFlags {
  since?: string;
  url?: string[];
  "api-key"?: string;
  after?: string;
  limit?: string;
  "page-size"?: string;
  "dry-run"?: boolean;
}

/**
 * `memoria sync catch-up …`: exit 0 when caught up or stopped at `--limit` (it says more
 * remain), 1 when a request failed (it says how far it got and how to resume), 2 on bad flags.
 */
export async function catchUpCommand(flags: CatchUpFlags, usage: string): Promise<number> {
  const apiKey = flags["api-key"] ?? process.env.MEMORIA_API_KEY;
  const urls = flags.url ?? [];
  if (!flags.since || urls.length !== 1 || !apiKey) {
    console.error(
      `sync catch-up needs --since, one --url and an API key (--api-key or MEMORIA_API_KEY)\n${usage}`,
    );
    return 2;
  }
  const options: CatchUpOptions = {
    gateway: urls[0] as string,
    apiKey,
    since: parseSince(flags.since),
    ...(flags.after ? { after: flags.after } : {}),
    ...(flags.limit !== undefined ? { limit: positive(flags.limit, "--limit") } : {}),
    ...(flags["page-size"] !== undefined
      ? { pageSize: positive(flags["page-size"], "--page-size", 5_000) }
      : {}),
    dryRun: flags["dry-run"] === true,
  };
  const run = await runCatchUp(options, progressDisplay(process.stderr));
  const lines = summarize(options, run);
  if (run.outcome === "failed") {
    console.error(lines.map((line, i) => (i === 0 ? `memoria: ${line}` : `  ${line}`)).join("\n"));
    return 1;
  }
  console.log(lines.join("\n"));
  return 0;
}

function positive(value: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1 || number > max)
    throw new RangeError(`${flag}: a whole number from 1 to ${max}: ${value}`);
  return number;
}
