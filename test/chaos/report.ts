import { CATEGORIES } from "./offense.js";
import type { RunReport } from "./run.js";

/** The run's one summary line, and on failure what is needed to replay and look. */

export function summaryLine(report: RunReport): string {
  const { ledger, verdict } = report;
  const faults = Object.entries(report.faults)
    .map(([kind, n]) => `${kind}=${n}`)
    .join(",");
  const checks = CATEGORIES.map((c) => `${c}=${verdict.counts[c]}`).join(" ");
  const converged =
    report.convergedMs === null
      ? "NOT-converged"
      : `converged=${(report.convergedMs / 1000).toFixed(1)}s`;
  return [
    `chaos[${report.backend}] seed=${report.seed}`,
    `ops=${ledger.operations} acked=${ledger.acks.length}`,
    `faults{${faults}}`,
    `chaos=${(report.chaosMs / 1000).toFixed(1)}s`,
    converged,
    checks,
    `unexpected=${ledger.unexpected.length} tainted=${ledger.tainted.size}`,
  ].join(" ");
}

/** The seed to replay with, the faults in order, and the first offenders with their writes. */
export function failureDetail(report: RunReport, limit = 8): string {
  const { ledger, verdict } = report;
  const lines = [
    `replay: CHAOS_SEED=${report.seed} corepack pnpm --filter @memoria/test exec vitest run chaos/`,
    `faults: ${report.faultLog.join("; ") || "none"}`,
    `outcomes: ${[...ledger.outcomes].map(([k, n]) => `${k}=${n}`).join(" ")}`,
  ];
  for (const u of ledger.unexpected.slice(0, limit))
    lines.push(`unexpected: ${u.op} ${u.method} ${u.path} → ${u.status} ${u.detail}`);
  for (const offense of verdict.offenses.slice(0, limit)) {
    lines.push(
      `${offense.category}: ${offense.id}${offense.region ? ` in ${offense.region}` : ""}: ${offense.why}`,
    );
    const writes = ledger.acks.filter((a) => a.id === offense.id);
    for (const w of writes)
      lines.push(
        `    ${w.op} ${w.kind} in ${w.region} @${w.hlc}${w.setsX === undefined ? "" : ` x:=${w.setsX}`} → x=${w.memory?.x} y=${w.memory?.y}`,
      );
  }
  if (verdict.offenses.length > limit) lines.push(`… and ${verdict.offenses.length - limit} more`);
  return lines.join("\n");
}
