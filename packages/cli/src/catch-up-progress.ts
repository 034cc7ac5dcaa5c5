/** Where a catch-up is, after each page: what the progress display shows. */
export interface CatchUpProgress {
  read: number;
  pages: number;
  elapsedMs: number;
  /** About how many entries the whole catch-up has (the transport's estimate), if known. */
  total: { count: number; exact: boolean } | null;
  /** The cursor to resume after. */
  next: string | null;
}

export interface ProgressDisplay {
  page(progress: CatchUpProgress): void;
  /** Leaves the terminal on a fresh line (the bar redraws one line in place). */
  end(): void;
}

/**
 * On a terminal: one bar redrawn in place, with rate and ETA. Otherwise (a log, a pipe,
 * CI): one plain line per page, which also names the cursor to resume after. Both go to
 * stderr, so stdout holds only the summary.
 */
export function progressDisplay(stream: NodeJS.WriteStream): ProgressDisplay {
  if (!stream.isTTY)
    return { page: (progress) => stream.write(`${progressLine(progress)}\n`), end: () => {} };
  let drawn = false;
  return {
    page(progress) {
      stream.write(`\r\x1b[2K${progressBar(progress, stream.columns ?? 80)}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write("\n");
    },
  };
}

/** `catch-up: page 3, read 3000 of ~20000 (15%), 1500 events/s, ETA 11 s, after 1732-0` */
export function progressLine(progress: CatchUpProgress): string {
  const share = progress.total ? `${ofTotal(progress)} ` : "";
  const eta = etaSeconds(progress);
  return [
    `catch-up: page ${progress.pages}, read ${progress.read} ${share}`.trimEnd(),
    `${Math.round(rate(progress))} events/s`,
    ...(eta === null ? [] : [`ETA ${formatSeconds(eta)}`]),
    `after ${progress.next ?? "-"}`,
  ].join(", ");
}

/** `[#########-----------]  45%  9000/~20000  1234 events/s  ETA 9 s`, fitted to `columns`. */
export function progressBar(progress: CatchUpProgress, columns: number): string {
  const eta = etaSeconds(progress);
  const tail = [
    progress.total ? `${percent(progress)}%`.padStart(4) : "",
    progress.total
      ? `${progress.read}/${progress.total.exact ? "" : "~"}${progress.total.count}`
      : `${progress.read} read`,
    `${Math.round(rate(progress))} events/s`,
    eta === null ? "" : `ETA ${formatSeconds(eta)}`,
  ]
    .filter((part) => part !== "")
    .join("  ");
  const width = Math.max(10, Math.min(40, columns - tail.length - 4));
  if (!progress.total) return tail;
  const filled = Math.round((width * percent(progress)) / 100);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${tail}`;
}

/** Events per second so far. */
export function rate(progress: Pick<CatchUpProgress, "read" | "elapsedMs">): number {
  return progress.elapsedMs > 0 ? (progress.read * 1000) / progress.elapsedMs : 0;
}

function percent(progress: CatchUpProgress): number {
  const count = progress.total?.count ?? 0;
  // More may have arrived than estimated: never past 100 %, never below what was read.
  return count > 0 ? Math.min(100, Math.floor((progress.read * 100) / count)) : 100;
}

function ofTotal(progress: CatchUpProgress): string {
  const total = progress.total as { count: number; exact: boolean };
  return `of ${total.exact ? "" : "~"}${total.count} (${percent(progress)}%)`;
}

/** Seconds left at the rate so far; `null` without a total or a rate. */
function etaSeconds(progress: CatchUpProgress): number | null {
  const perSecond = rate(progress);
  if (!progress.total || perSecond <= 0) return null;
  return Math.max(0, progress.total.count - progress.read) / perSecond;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.ceil(seconds - minutes * 60)} s`;
}
