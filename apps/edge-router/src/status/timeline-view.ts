/**
 * The status page's timeline card: the latest entries, newest first (failovers, writer
 * changes, promotions, health changes), each with what happened, when and why; older ones
 * counted.
 */

import type { TimelineEntry } from "../timeline.js";
import { clock, escapeHtml, formatAgo } from "./format.js";

/** How many entries the card lists; older ones are counted, not shown. */
export const TIMELINE_LIMIT = 6;

const KIND_LABEL: Record<TimelineEntry["kind"], string> = {
  failover: "failover",
  "writer-change": "writer change",
  promotion: "promotion",
  health: "health",
};

export function renderTimeline(
  entries: readonly TimelineEntry[],
  dropped: number,
  now: number,
): string {
  if (entries.length === 0) {
    return '<p class="empty"><span class="empty-mark">✓</span> Nothing has happened yet: no failovers, writer changes or health changes recorded.</p>';
  }
  const newestFirst = entries
    .map((entry, index) => ({ entry, index, t: Date.parse(entry.at) }))
    .sort((a, b) => {
      if (Number.isNaN(a.t) || Number.isNaN(b.t)) return a.index - b.index;
      return b.t - a.t || a.index - b.index;
    })
    .map((e) => e.entry);
  const shown = newestFirst.slice(0, TIMELINE_LIMIT);
  const earlier = newestFirst.length - shown.length + dropped;
  const more = earlier > 0 ? `<p class="muted small more">and ${earlier} earlier</p>` : "";
  return `<ol class="timeline">
${shown.map((entry) => renderEntry(entry, now)).join("\n")}
</ol>${more}`;
}

function renderEntry(entry: TimelineEntry, now: number): string {
  const { title, detail, note, tone } = describe(entry);
  return `<li class="event ev-${entry.kind} tone-${tone}">
<div class="event-line"><span class="event-title">${title}</span><span class="muted small">${escapeHtml(formatAgo(entry.at, now))}</span></div>
<div class="event-detail mono">${detail}</div>
<div class="event-line"><span class="event-note">${note}</span>${clock(entry.at, now)}</div>
</li>`;
}

/** An entry in words: every value from the entry is escaped here. */
function describe(entry: TimelineEntry): {
  title: string;
  detail: string;
  note: string;
  tone: "warn" | "bad" | "ok" | "info";
} {
  const e = escapeHtml;
  const kind = `<span class="kind">${KIND_LABEL[entry.kind]}</span>`;
  switch (entry.kind) {
    case "failover":
      return {
        title: `${e(entry.from)} <span class="arrow">→</span> ${e(entry.to)}`,
        detail: `<span class="method">${e(entry.method)}</span> ${e(entry.path)}`,
        note: `${kind} ${e(entry.reason)}`,
        tone: "warn",
      };
    case "writer-change":
      return {
        title: `writer ${e(entry.from ?? "none")} <span class="arrow">→</span> ${e(entry.to ?? "none")}`,
        detail: entry.token === null ? "no lease token" : `lease token ${entry.token}`,
        note: kind,
        tone: "info",
      };
    case "promotion":
      return {
        title: `${e(entry.region)} promoted`,
        detail: `to writer · ${entry.token === null ? "lease token unknown" : `lease token ${entry.token}`}`,
        note: `${kind} ${entry.via === "router" ? "through the router" : "seen in probes"}`,
        tone: "info",
      };
    case "health":
      return entry.healthy
        ? { title: `${e(entry.region)} recovered`, detail: "healthy again", note: kind, tone: "ok" }
        : {
            title: `${e(entry.region)} became unhealthy`,
            detail: e(entry.error ?? "no reason given"),
            note: kind,
            tone: "bad",
          };
  }
}
