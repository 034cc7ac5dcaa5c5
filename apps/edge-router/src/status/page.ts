/**
 * `GET /status`: one self-contained HTML page for a human: the regions on a world map, their
 * health, role, lag and leader, and the latest failovers. No scripts and no network: styles
 * are inline and the map is inline SVG, so {@link STATUS_CONTENT_SECURITY_POLICY} can forbid
 * everything else. Every string that comes from the snapshot is escaped.
 */

import type { FailoverRecord, RegionView, RouterSnapshot } from "../snapshot.js";
import { lakesPath, project, worldPath } from "./world.js";

/** The `Content-Security-Policy` the route sends with the page: inline styles only. */
export const STATUS_CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The page reloads itself (`<meta http-equiv="refresh">`) this often. */
export const STATUS_REFRESH_SECONDS = 5;

/** The map's SVG coordinate space (equirectangular, 360° × 144° → 2.5 : 1). */
export const MAP_WIDTH = 1000;
export const MAP_HEIGHT = 400;

/** How many failovers the timeline lists; older ones are counted, not shown. */
export const TIMELINE_LIMIT = 5;

export type HealthState =
  | "healthy"
  | "circuit-open"
  | "half-open"
  | "not-ready"
  | "unprobed"
  | "disabled";

const HEALTH_LABEL: Record<HealthState, string> = {
  healthy: "healthy",
  "circuit-open": "circuit open",
  "half-open": "half-open",
  "not-ready": "not ready",
  unprobed: "not probed yet",
  disabled: "disabled",
};

/** One state per region, in the order that matters to someone routing traffic. */
export function healthOf(region: RegionView): HealthState {
  if (!region.enabled) return "disabled";
  if (region.circuit === "open") return "circuit-open";
  if (region.circuit === "half-open") return "half-open";
  if (region.healthy) return "healthy";
  return region.lastProbeAt === null ? "unprobed" : "not-ready";
}

export function healthLabel(state: HealthState): string {
  return HEALTH_LABEL[state];
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text and attribute values alike. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

export function renderStatusPage(snapshot: RouterSnapshot): string {
  const now = Date.parse(snapshot.generatedAt);
  const regions = snapshot.regions;
  const counts = countStates(regions);
  const writer = snapshot.writer;
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
    <div><dt>Mode</dt><dd>${escapeHtml(snapshot.mode)}</dd></div>
    <div><dt>Writer</dt><dd>${writer === null ? '<span class="muted">unknown</span>' : `<span class="writer-name">${escapeHtml(writer)}</span>`}</dd></div>
    <div><dt>Generated</dt><dd><time datetime="${escapeHtml(snapshot.generatedAt)}">${escapeHtml(formatDateTime(snapshot.generatedAt))}</time> <span class="muted">· refreshes every ${STATUS_REFRESH_SECONDS} s</span></dd></div>
  </dl>
</header>
<main class="grid">
  <section class="card map-card" aria-labelledby="map-title">
    <h2 id="map-title">Regions <span class="count">${regions.length}</span><span class="summary">${summaryText(counts)}</span></h2>
    ${renderMap(snapshot)}
    ${renderLegend()}
  </section>
  <section class="card timeline-card" aria-labelledby="failover-title">
    <h2 id="failover-title">Failovers <span class="count">${snapshot.failovers.length}</span></h2>
    ${renderTimeline(snapshot.failovers, now)}
  </section>
  <section class="card table-card" aria-labelledby="table-title">
    <h2 id="table-title" class="visually-hidden">Region details</h2>
    ${renderTable(regions, writer, now)}
  </section>
</main>
</div>
</body>
</html>
`;
}

function countStates(regions: readonly RegionView[]): Record<HealthState, number> {
  const counts: Record<HealthState, number> = {
    healthy: 0,
    "circuit-open": 0,
    "half-open": 0,
    "not-ready": 0,
    unprobed: 0,
    disabled: 0,
  };
  for (const region of regions) counts[healthOf(region)] += 1;
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

// ——— map ———

interface Marker {
  region: RegionView;
  state: HealthState;
  isWriter: boolean;
  x: number;
  y: number;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const LABEL_WIDTH = 150;
const LABEL_HEIGHT = 34;

function isWriter(region: RegionView, writer: string | null): boolean {
  return region.role === "writer" || (writer !== null && region.id === writer);
}

function renderMap(snapshot: RouterSnapshot): string {
  const markers: Marker[] = [];
  const unplaced: RegionView[] = [];
  for (const region of snapshot.regions) {
    if (!Number.isFinite(region.lat) || !Number.isFinite(region.lon)) {
      unplaced.push(region);
      continue;
    }
    const { x, y } = project(region.lat, region.lon, MAP_WIDTH, MAP_HEIGHT);
    markers.push({
      region,
      state: healthOf(region),
      isWriter: isWriter(region, snapshot.writer),
      x,
      y,
    });
  }
  const links = renderLinks(markers);
  const placed: Box[] = markers.map((m) => ({
    x0: m.x - 12,
    y0: m.y - 12,
    x1: m.x + 12,
    y1: m.y + 12,
  }));
  const labels = markers.map((m) => renderLabel(m, placed));
  const dots = markers.map(renderMarker);
  const note =
    unplaced.length === 0
      ? ""
      : `<p class="muted small">No coordinates: ${unplaced.map((r) => escapeHtml(r.id)).join(", ")}</p>`;
  return `<svg class="map" viewBox="0 0 ${MAP_WIDTH} ${MAP_HEIGHT}" role="img" aria-label="World map of the regions">
<rect class="sea" width="${MAP_WIDTH}" height="${MAP_HEIGHT}" rx="8"/>
${graticule()}
<path class="land" d="${worldPath(MAP_WIDTH, MAP_HEIGHT)}"/>
<path class="sea-fill" d="${lakesPath(MAP_WIDTH, MAP_HEIGHT)}"/>
${links}
${dots.join("\n")}
${labels.join("\n")}
</svg>${note}`;
}

function graticule(): string {
  const lines: string[] = [];
  for (let lon = -150; lon < 180; lon += 30) {
    const { x } = project(0, lon, MAP_WIDTH, MAP_HEIGHT);
    lines.push(`M${fmt(x)} 0V${MAP_HEIGHT}`);
  }
  for (let lat = -30; lat <= 60; lat += 30) {
    if (lat === 0) continue;
    const { y } = project(lat, 0, MAP_WIDTH, MAP_HEIGHT);
    lines.push(`M0 ${fmt(y)}H${MAP_WIDTH}`);
  }
  const equator = project(0, 0, MAP_WIDTH, MAP_HEIGHT).y;
  return `<path class="grid-line" d="${lines.join("")}"/><path class="equator" d="M0 ${fmt(equator)}H${MAP_WIDTH}"/>`;
}

/** Replication links: from each writer to every other region, arched like a flight path. */
function renderLinks(markers: readonly Marker[]): string {
  const writers = markers.filter((m) => m.isWriter);
  const out: string[] = [];
  for (const from of writers) {
    for (const to of markers) {
      if (to === from || (to.isWriter && to.region.id < from.region.id)) continue;
      const mx = (from.x + to.x) / 2;
      const my = (from.y + to.y) / 2;
      const lift = Math.min(90, Math.hypot(to.x - from.x, to.y - from.y) * 0.22);
      out.push(
        `<path class="link s-${to.state}" d="M${fmt(from.x)} ${fmt(from.y)}Q${fmt(mx)} ${fmt(my - lift)} ${fmt(to.x)} ${fmt(to.y)}"/>`,
      );
    }
  }
  return out.join("\n");
}

function renderMarker(m: Marker): string {
  const cx = fmt(m.x);
  const cy = fmt(m.y);
  const ring = m.isWriter ? `<circle class="writer-ring" cx="${cx}" cy="${cy}" r="11"/>` : "";
  return `<g class="marker s-${m.state}${m.isWriter ? " is-writer" : ""}" data-region="${escapeHtml(m.region.id)}">
<circle class="halo" cx="${cx}" cy="${cy}" r="${m.isWriter ? 17 : 13}"/>${ring}<circle class="dot" cx="${cx}" cy="${cy}" r="6"/>
</g>`;
}

/** Places the label beside its marker where it overlaps neither another label nor a marker. */
function renderLabel(m: Marker, placed: Box[]): string {
  const gap = m.isWriter ? 18 : 14;
  const candidates: { box: Box; anchor: "start" | "end" }[] = [];
  for (const dy of [0, 22, -22, 44, -44, 66]) {
    const top = m.y - LABEL_HEIGHT / 2 + dy;
    candidates.push({
      box: { x0: m.x + gap, y0: top, x1: m.x + gap + LABEL_WIDTH, y1: top + LABEL_HEIGHT },
      anchor: "start",
    });
    candidates.push({
      box: { x0: m.x - gap - LABEL_WIDTH, y0: top, x1: m.x - gap, y1: top + LABEL_HEIGHT },
      anchor: "end",
    });
  }
  const inside = (b: Box) =>
    b.x0 >= 2 && b.x1 <= MAP_WIDTH - 2 && b.y0 >= 2 && b.y1 <= MAP_HEIGHT - 2;
  const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
  const fallback = candidates[m.x > MAP_WIDTH - LABEL_WIDTH - 30 ? 1 : 0];
  const choice =
    candidates.find((c) => inside(c.box) && !placed.some((p) => overlaps(p, c.box))) ?? fallback;
  if (choice === undefined) return "";
  placed.push(choice.box);
  const x = choice.anchor === "start" ? choice.box.x0 : choice.box.x1;
  const role = m.isWriter ? "writer" : "reader";
  return `<text class="label" text-anchor="${choice.anchor}" x="${fmt(x)}" y="${fmt(choice.box.y0 + 14)}"><tspan class="label-id">${escapeHtml(m.region.id)}</tspan><tspan class="label-sub t-${m.state}" x="${fmt(x)}" dy="16">${role} · ${HEALTH_LABEL[m.state]}</tspan></text>`;
}

function renderLegend(): string {
  const item = (state: HealthState) =>
    `<li><span class="swatch s-${state}"></span>${HEALTH_LABEL[state]}</li>`;
  return `<ul class="legend">${item("healthy")}${item("half-open")}${item("circuit-open")}${item("disabled")}<li><span class="swatch ring"></span>writer</li><li><span class="swatch line"></span>replication</li></ul>`;
}

// ——— table ———

function renderTable(regions: readonly RegionView[], writer: string | null, now: number): string {
  if (regions.length === 0) {
    return '<p class="empty">No regions configured.</p>';
  }
  const rows = regions.map((r) => renderRow(r, writer, now)).join("\n");
  return `<table class="regions">
<thead><tr><th>Region</th><th>Health</th><th>Role</th><th>Lag</th><th>Leader · token</th><th>Last probe</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function renderRow(region: RegionView, writer: string | null, now: number): string {
  const state = healthOf(region);
  const since =
    region.openedAt !== null && (state === "circuit-open" || state === "half-open")
      ? `<div class="small muted">since ${timeCell(region.openedAt, now)}</div>`
      : "";
  const writerRow = isWriter(region, writer);
  const role = writerRow
    ? '<span class="role role-writer">writer</span>'
    : '<span class="role role-reader">reader</span>';
  const leader =
    region.leader === null
      ? '<span class="muted">none</span>'
      : `<span class="mono">${escapeHtml(region.leader.holder)}</span> <span class="muted">· token</span> <span class="mono">${escapeHtml(String(region.leader.token))}</span>`;
  const probe =
    region.lastProbeAt === null
      ? '<span class="muted">never</span>'
      : timeCell(region.lastProbeAt, now);
  const error =
    region.lastError === null
      ? ""
      : `<div class="error mono" title="${escapeHtml(region.lastError)}">${escapeHtml(region.lastError)}</div>`;
  const coords =
    Number.isFinite(region.lat) && Number.isFinite(region.lon)
      ? `${formatCoord(region.lat, "N", "S")} ${formatCoord(region.lon, "E", "W")}`
      : "";
  const place = [region.continent ?? "", coords]
    .filter((p) => p !== "")
    .map(escapeHtml)
    .join(" · ");
  return `<tr class="row s-${state}" data-region="${escapeHtml(region.id)}">
<td class="nowrap"><div><span class="region-id">${escapeHtml(region.id)}</span> <span class="small muted">${place}</span></div><div class="small muted mono url">${escapeHtml(region.url)}</div></td>
<td class="nowrap"><span class="badge s-${state}"><span class="badge-dot"></span>${HEALTH_LABEL[state]}</span>${since}</td>
<td>${role}</td>
<td class="nowrap">${renderLag(region)}</td>
<td class="nowrap">${leader}</td>
<td>${probe}${error}</td>
</tr>`;
}

function renderLag(region: RegionView): string {
  if (region.lagEvents === null && region.lagSeconds === null) {
    return '<span class="muted">unknown</span>';
  }
  const events =
    region.lagEvents === null
      ? '<span class="muted">unknown</span>'
      : `<span class="mono">${formatCount(region.lagEvents)}</span> <span class="muted">${region.lagEvents === 1 ? "event" : "events"}</span>`;
  const seconds =
    region.lagSeconds === null
      ? '<span class="muted">unknown</span>'
      : `<span class="mono lag-${lagSeverity(region.lagSeconds)}">${formatSeconds(region.lagSeconds)}</span>`;
  return `${events} <span class="muted">·</span> ${seconds}`;
}

function lagSeverity(seconds: number): "ok" | "warn" | "bad" {
  if (seconds >= 300) return "bad";
  if (seconds >= 30) return "warn";
  return "ok";
}

// ——— failovers ———

function renderTimeline(failovers: readonly FailoverRecord[], now: number): string {
  if (failovers.length === 0) {
    return '<p class="empty"><span class="empty-mark">✓</span> No failovers recorded.</p>';
  }
  const newestFirst = failovers
    .map((f, index) => ({ f, index, t: Date.parse(f.at) }))
    .sort((a, b) => {
      if (Number.isNaN(a.t) || Number.isNaN(b.t)) return a.index - b.index;
      return b.t - a.t || a.index - b.index;
    })
    .map((e) => e.f);
  const shown = newestFirst.slice(0, TIMELINE_LIMIT);
  const items = shown
    .map(
      (f) => `<li class="event">
<div class="event-line"><span class="event-route">${escapeHtml(f.from)} <span class="arrow">→</span> ${escapeHtml(f.to)}</span><span class="muted small">${escapeHtml(formatAgo(f.at, now))}</span></div>
<div class="event-request mono"><span class="method">${escapeHtml(f.method)}</span> ${escapeHtml(f.path)}</div>
<div class="event-line"><span class="event-reason">${escapeHtml(f.reason)}</span>${clock(f.at, now)}</div>
</li>`,
    )
    .join("\n");
  const more =
    newestFirst.length > shown.length
      ? `<p class="muted small more">and ${newestFirst.length - shown.length} earlier</p>`
      : "";
  return `<ol class="timeline">
${items}
</ol>${more}`;
}

// ——— formatting ———

function fmt(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** `2026-05-01 12:03:04 UTC`; an unparseable value is shown as given. */
export function formatDateTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** How long before `now` (ms since the epoch) `iso` was: `12 s ago`, `3 min ago`. */
export function formatAgo(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t) || Number.isNaN(now)) return "";
  const seconds = Math.round((now - t) / 1000);
  if (seconds < 0) return `in ${formatDuration(-seconds)}`;
  if (seconds === 0) return "just now";
  return `${formatDuration(seconds)} ago`;
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d`;
}

/** `<time>` with the UTC clock time, and the date too when it is not `now`'s day. */
function clock(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return `<span class="mono">${escapeHtml(iso)}</span>`;
  const d = new Date(t);
  const nowDate = new Date(Number.isNaN(now) ? t : now);
  const day = d.toISOString().slice(0, 10);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const label = day === nowDate.toISOString().slice(0, 10) ? time : `${day} ${time}`;
  return `<time class="mono" datetime="${escapeHtml(iso)}">${label}</time>`;
}

function timeCell(iso: string, now: number): string {
  const ago = formatAgo(iso, now);
  return `${clock(iso, now)}${ago === "" ? "" : ` <span class="muted">(${escapeHtml(ago)})</span>`}`;
}

/** `1,234,567` without relying on the runtime's locale data. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [whole = "0", fraction] = String(Math.abs(n)).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${n < 0 ? "-" : ""}${grouped}${fraction === undefined ? "" : `.${fraction}`}`;
}

/** `0.8 s`, `42 s`, `3 min 5 s`, `2 h 10 min`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds < 10) return `${(Math.round(seconds * 10) / 10).toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function formatCoord(value: number, positive: string, negative: string): string {
  return `${Math.abs(Math.round(value * 10) / 10)}°${value >= 0 ? positive : negative}`;
}

// ——— style ———

const STYLE = `
:root{--bg:#0a0f1a;--panel:#111827;--panel-2:#0d1424;--border:#1f2a3c;--text:#e6ebf2;--muted:#8d9bb0;
--ok:#22c55e;--warn:#f5a524;--bad:#f04444;--off:#6b7a90;--accent:#60a5fa;--writer:#e9d5ff;
--sea:#0c1628;--land:#1d2c47;--land-edge:#34507e}
*{box-sizing:border-box}
html,body{margin:0;background:var(--bg);color:var(--text)}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Liberation Sans","DejaVu Sans",Arial,sans-serif}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;font-size:.92em}
.muted{color:var(--muted)}
.small{font-size:12px}
.page{max-width:1280px;margin:0 auto;padding:18px 24px 24px}
.top{display:flex;align-items:center;justify-content:space-between;gap:24px;margin-bottom:16px}
.brand{display:flex;align-items:center;gap:12px;flex-shrink:0;white-space:nowrap}
.logo{width:34px;height:34px}
h1{font-size:20px;margin:0;letter-spacing:.2px}
.sub{margin:0;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.08em}
.facts{display:flex;flex-wrap:wrap;justify-content:flex-end;gap:8px 32px;margin:0}
.facts div{display:flex;flex-direction:column}
.facts dt{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.08em}
.facts dd{margin:2px 0 0;font-weight:600;white-space:nowrap}
.writer-name{color:var(--writer)}
.grid{display:grid;grid-template-columns:minmax(0,1fr) 350px;gap:16px}
.card{background:var(--panel);border:1px solid var(--border);border-radius:12px;padding:14px 16px}
.card h2{display:flex;align-items:center;font-size:13px;margin:0 0 10px;color:var(--muted);text-transform:uppercase;letter-spacing:.08em;font-weight:600}
.summary{margin-left:auto;text-transform:none;letter-spacing:0;font-weight:600;font-size:12px}
.count{display:inline-block;min-width:20px;padding:0 6px;margin-left:4px;border-radius:10px;background:#1e293b;color:var(--text);text-align:center;letter-spacing:0}
.map-card{grid-column:1;grid-row:1}
.timeline-card{grid-column:2;grid-row:1;overflow:hidden}
.table-card{grid-column:1/span 2;grid-row:2;padding:2px 0}
.map{display:block;width:100%;height:auto}
.sea{fill:var(--sea)}
.sea-fill{fill:var(--sea)}
.land{fill:var(--land);stroke:var(--land-edge);stroke-width:.8;stroke-linejoin:round}
.grid-line{stroke:#17243a;stroke-width:.8;fill:none}
.equator{stroke:#22324f;stroke-width:1;stroke-dasharray:4 4;fill:none}
.link{fill:none;stroke:var(--accent);stroke-width:1.6;stroke-dasharray:6 5;opacity:.75}
.link.s-circuit-open,.link.s-not-ready{stroke:var(--bad);opacity:.6}
.link.s-half-open{stroke:var(--warn)}
.link.s-disabled,.link.s-unprobed{stroke:var(--off);opacity:.5}
.marker .dot{stroke:#0a0f1a;stroke-width:2}
.marker .halo{opacity:.22}
.writer-ring{fill:none;stroke:var(--writer);stroke-width:2.5}
.s-healthy .dot,.s-healthy .halo,.swatch.s-healthy{fill:var(--ok);background:var(--ok)}
.s-half-open .dot,.s-half-open .halo,.swatch.s-half-open{fill:var(--warn);background:var(--warn)}
.s-circuit-open .dot,.s-circuit-open .halo,.s-not-ready .dot,.s-not-ready .halo,.swatch.s-circuit-open{fill:var(--bad);background:var(--bad)}
.s-disabled .dot,.s-disabled .halo,.s-unprobed .dot,.s-unprobed .halo,.swatch.s-disabled{fill:var(--off);background:var(--off)}
.label{font-size:15px;paint-order:stroke;stroke:#0a0f1a;stroke-width:4px;stroke-linejoin:round}
.label-id{fill:#fff;font-weight:700}
.label-sub{font-size:12px;font-weight:600}
text.t-healthy,tspan.t-healthy{fill:#86efac}
tspan.t-half-open{fill:#fcd34d}
tspan.t-circuit-open,tspan.t-not-ready{fill:#fca5a5}
tspan.t-disabled,tspan.t-unprobed{fill:#cbd5e1}
span.t-healthy{color:#86efac}
span.t-half-open{color:#fcd34d}
span.t-circuit-open,span.t-not-ready{color:#fca5a5}
span.t-disabled,span.t-unprobed{color:#cbd5e1}
.legend{display:flex;flex-wrap:wrap;gap:18px;list-style:none;margin:10px 0 0;padding:0;color:var(--muted);font-size:12px}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:50%}
.swatch.ring{background:transparent;border:2px solid var(--writer);width:12px;height:12px}
.swatch.line{width:18px;height:0;border-radius:0;border-top:2px dashed var(--accent)}
table.regions{width:100%;border-collapse:collapse}
.regions th{white-space:nowrap;text-align:left;font-size:11px;text-transform:uppercase;letter-spacing:.08em;color:var(--muted);font-weight:600;padding:8px 14px;border-bottom:1px solid var(--border)}
.regions td{padding:8px 14px;border-bottom:1px solid var(--border);vertical-align:top}
.regions tr:last-child td{border-bottom:0}
.nowrap{white-space:nowrap}
.region-id{font-weight:700;font-size:15px}
.url{max-width:300px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.badge{display:inline-flex;align-items:center;gap:6px;padding:2px 9px;border-radius:999px;font-size:12px;font-weight:700;border:1px solid}
.badge-dot{width:7px;height:7px;border-radius:50%;background:currentColor}
.badge.s-healthy{color:#86efac;background:#0f2a1b;border-color:#1f6b3b}
.badge.s-half-open{color:#fcd34d;background:#2d2410;border-color:#7a5a12}
.badge.s-circuit-open,.badge.s-not-ready{color:#fca5a5;background:#2e1416;border-color:#7f2a2e}
.badge.s-disabled,.badge.s-unprobed{color:#cbd5e1;background:#1b2230;border-color:#3a4558}
.role{display:inline-block;padding:1px 8px;border-radius:6px;font-size:12px;font-weight:600}
.role-writer{color:#1a1033;background:var(--writer)}
.role-reader{color:var(--text);background:#1e293b}
.lag-ok{color:var(--text)}
.lag-warn{color:#fcd34d}
.lag-bad{color:#fca5a5}
.error{color:#fca5a5;font-size:12px;max-width:380px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;margin-top:2px}
.timeline{list-style:none;margin:0;padding:0 0 0 14px;border-left:2px solid #233049}
.event{position:relative;padding:0 0 11px 10px}
.event::before{content:"";position:absolute;left:-21px;top:4px;width:10px;height:10px;border-radius:50%;background:var(--warn);border:2px solid var(--panel)}
.event-line{display:flex;justify-content:space-between;align-items:baseline;gap:10px;white-space:nowrap}
.event-line time{color:var(--muted);font-size:12px}
.event-route{font-weight:700;overflow:hidden;text-overflow:ellipsis}
.arrow{color:var(--accent)}
.event-request{color:var(--muted);font-size:12px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.method{color:var(--accent);font-weight:700}
.event-reason{font-size:12px;color:#fcd34d;overflow:hidden;text-overflow:ellipsis}
.more{margin:0 0 0 24px}
.empty{color:var(--muted);margin:8px 0}
.empty-mark{color:var(--ok);font-weight:700}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
