/**
 * `GET /status`: one self-contained HTML page for a human, made from the same document
 * scripts get as JSON (document.ts): the regions on a world map (map.ts), a table with each
 * region's health, role, band, spaces, transit, lag and sync rate (table.ts), and the
 * timeline (timeline-view.ts). No scripts and no network: styles are inline and the map and
 * charts are inline SVG, so {@link STATUS_CONTENT_SECURITY_POLICY} can forbid everything
 * else. Every string that comes from the snapshot is escaped.
 */

import type { HealthState, StatusDocument, StatusRegion } from "./document.js";
import { escapeHtml, formatDateTime } from "./format.js";
import { renderMap } from "./map.js";
import { STYLE } from "./style.js";
import { renderTable } from "./table.js";
import { renderTimeline } from "./timeline-view.js";

/** The `Content-Security-Policy` the route sends with the page: inline styles only. */
export const STATUS_CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The page reloads itself (`<meta http-equiv="refresh">`) this often. */
export const STATUS_REFRESH_SECONDS = 5;

const HEALTH_LABEL: Record<HealthState, string> = {
  healthy: "healthy",
  "circuit-open": "circuit open",
  "half-open": "half-open",
  "not-ready": "not ready",
  unprobed: "not probed yet",
  disabled: "disabled",
};

export function healthLabel(state: HealthState): string {
  return HEALTH_LABEL[state];
}

export function renderStatusPage(doc: StatusDocument): string {
  const now = Date.parse(doc.generated_at);
  const regions = doc.regions;
  const counts = countStates(regions);
  const writer = doc.writer;
  const title = "Memoria Edge — status";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${STATUS_REFRESH_SECONDS}">
<meta name="color-scheme" content="dark">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<div class="page">
<header class="top">
  <div class="brand">
    <svg class="logo" viewBox="0 0 32 32" aria-hidden="true"><circle cx="16" cy="16" r="13" fill="none" stroke="#60a5fa" stroke-width="2.5"/><path d="M3 16h26M16 3c-7 8-7 18 0 26M16 3c7 8 7 18 0 26" fill="none" stroke="#60a5fa" stroke-width="1.6"/></svg>
    <div><h1>Memoria Edge</h1><p class="sub">Edge router status</p></div>
  </div>
  <dl class="facts">
    <div><dt>Mode</dt><dd>${escapeHtml(doc.mode)}</dd></div>
    <div><dt>Writer</dt><dd>${writerFact(doc)}</dd></div>
    <div><dt>Generated</dt><dd><time datetime="${escapeHtml(doc.generated_at)}">${escapeHtml(formatDateTime(doc.generated_at))}</time> <span class="muted">· refreshes every ${STATUS_REFRESH_SECONDS} s</span></dd></div>
  </dl>
</header>
<main class="grid">
  <section class="card map-card" aria-labelledby="map-title">
    <h2 id="map-title">Regions <span class="count">${regions.length}</span><span class="summary">${summaryText(counts)}</span></h2>
    ${renderMap(doc, healthLabel)}
    ${renderLegend()}
  </section>
  <section class="card timeline-card" aria-labelledby="timeline-title">
    <h2 id="timeline-title">Timeline <span class="count">${doc.timeline.length + doc.timeline_dropped}</span></h2>
    ${renderTimeline(doc.timeline, doc.timeline_dropped, now)}
  </section>
  <section class="card table-card" aria-labelledby="table-title">
    <h2 id="table-title" class="visually-hidden">Region details</h2>
    ${renderTable(regions, writer, now, healthLabel)}
  </section>
</main>
</div>
</body>
</html>
`;
}

function writerFact(doc: StatusDocument): string {
  if (doc.writer === null) return '<span class="muted">unknown</span>';
  const token = doc.regions.find((r) => r.id === doc.writer)?.writer_token ?? null;
  const lease = token === null ? "" : ` <span class="muted">· token ${token}</span>`;
  return `<span class="writer-name">${escapeHtml(doc.writer)}</span>${lease}`;
}

function countStates(regions: readonly StatusRegion[]): Record<HealthState, number> {
  const counts: Record<HealthState, number> = {
    healthy: 0,
    "circuit-open": 0,
    "half-open": 0,
    "not-ready": 0,
    unprobed: 0,
    disabled: 0,
  };
  for (const region of regions) counts[region.health] += 1;
  return counts;
}

function summaryText(counts: Record<HealthState, number>): string {
  const parts: string[] = [];
  for (const state of Object.keys(HEALTH_LABEL) as HealthState[]) {
    const n = counts[state];
    if (n > 0) parts.push(`<span class="t-${state}">${n} ${HEALTH_LABEL[state]}</span>`);
  }
  return parts.join(" · ");
}

function renderLegend(): string {
  const item = (state: HealthState) =>
    `<li><span class="swatch s-${state}"></span>${HEALTH_LABEL[state]}</li>`;
  return `<ul class="legend">${item("healthy")}${item("half-open")}${item("circuit-open")}${item("disabled")}<li><span class="swatch ring"></span>writer</li><li><span class="swatch line"></span>replication</li></ul>`;
}
