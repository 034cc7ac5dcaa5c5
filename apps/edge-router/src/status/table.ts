/**
 * The status page's region table: one row per region with its health, role, band, spaces,
 * transit, lag, sync rate (a number and a sparkline) and last probe.
 */

import { PRIVACY_MAX, PRIVACY_MIN } from "@memoria/sync-core";
import type { HealthState, StatusRegion } from "./document.js";
import {
  clock,
  escapeHtml,
  fmt,
  formatAgo,
  formatBand,
  formatCoord,
  formatCount,
  formatRate,
  formatSeconds,
  timeCell,
} from "./format.js";
import { isWriter } from "./map.js";
import { sparkline } from "./sparkline.js";

const COLUMNS = [
  "Region",
  "Health",
  "Role",
  "Band",
  "Namespace · team spaces",
  "Transit",
  "Lag",
  "Sync rate",
  "Last probe",
];

export function renderTable(
  regions: readonly StatusRegion[],
  writer: string | null,
  now: number,
  healthLabel: (s: HealthState) => string,
): string {
  if (regions.length === 0) return '<p class="empty">No regions configured.</p>';
  const rows = regions.map((r) => renderRow(r, writer, now, healthLabel)).join("\n");
  return `<table class="regions">
<thead><tr>${COLUMNS.map((c) => `<th>${c}</th>`).join("")}</tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function renderRow(
  region: StatusRegion,
  writer: string | null,
  now: number,
  healthLabel: (s: HealthState) => string,
): string {
  const state = region.health;
  return `<tr class="row s-${state}" data-region="${escapeHtml(region.id)}">
<td class="nowrap">${regionCell(region)}</td>
<td>${healthCell(region, now, healthLabel)}</td>
<td class="nowrap">${roleCell(region, writer)}</td>
<td class="nowrap">${bandCell(region)}</td>
<td>${spacesCell(region)}</td>
<td class="nowrap">${transitCell(region)}</td>
<td class="nowrap">${lagCell(region)}</td>
<td class="nowrap">${rateCell(region)}</td>
<td class="nowrap">${probeCell(region, now)}</td>
</tr>`;
}

function regionCell(region: StatusRegion): string {
  const coords =
    Number.isFinite(region.lat) && Number.isFinite(region.lon)
      ? `${formatCoord(region.lat, "N", "S")} ${formatCoord(region.lon, "E", "W")}`
      : "";
  const place = [region.continent ?? "", coords]
    .filter((p) => p !== "")
    .map(escapeHtml)
    .join(" · ");
  return `<div title="${place}"><span class="region-id">${escapeHtml(region.id)}</span> <span class="small muted">${escapeHtml(region.continent ?? "")}</span></div><div class="small muted mono url" title="${escapeHtml(region.url)}">${escapeHtml(region.url)}</div>`;
}

function healthCell(
  region: StatusRegion,
  now: number,
  healthLabel: (s: HealthState) => string,
): string {
  const state = region.health;
  const since =
    region.opened_at !== null && (state === "circuit-open" || state === "half-open")
      ? `<div class="small muted">since ${timeCell(region.opened_at, now)}</div>`
      : "";
  const error =
    region.last_error === null
      ? ""
      : `<div class="error mono" title="${escapeHtml(region.last_error)}">${escapeHtml(region.last_error)}</div>`;
  return `<span class="badge s-${state}"><span class="badge-dot"></span>${healthLabel(state)}</span>${since}${error}`;
}

function roleCell(region: StatusRegion, writer: string | null): string {
  const role = isWriter(region, writer)
    ? '<span class="role role-writer">writer</span>'
    : '<span class="role role-reader">reader</span>';
  const leader =
    region.leader === null
      ? ""
      : `<div class="small muted" title="scheduler lease holder and its token">leader <span class="mono">${escapeHtml(region.leader.holder)}</span> · ${escapeHtml(String(region.leader.token))}</div>`;
  return `${role}${leader}`;
}

/** The band as text, and as a bar on the whole privacy scale. */
function bandCell(region: StatusRegion): string {
  if (region.band === null) return '<span class="muted">unknown</span>';
  const width = 64;
  const span = PRIVACY_MAX - PRIVACY_MIN;
  const x0 = ((region.band.floor - PRIVACY_MIN) / span) * width;
  const x1 = ((region.band.ceiling - PRIVACY_MIN) / span) * width;
  const zero = ((0 - PRIVACY_MIN) / span) * width;
  const bar = `<svg class="band-bar" viewBox="0 0 ${width} 6" width="${width}" height="6" aria-hidden="true"><rect class="band-scale" width="${width}" height="6" rx="3"/><rect class="band-fill" x="${fmt(x0)}" width="${fmt(Math.max(2, x1 - x0))}" height="6" rx="3"/><path class="band-zero" d="M${fmt(zero)} 0V6"/></svg>`;
  const source = region.self_reported ? "" : ' <span class="small muted">(table)</span>';
  return `<span class="mono">${escapeHtml(formatBand(region.band))}</span>${source}<div>${bar}</div>`;
}

/** `team-alpha, team-bravo`, or all teams (`*`). */
export function teamSpacesText(teams: readonly string[] | null, prefix: string | null): string {
  if (teams === null) return "unknown";
  if (teams.includes("*")) return "all teams";
  if (teams.length === 0) return "no team spaces";
  return teams.map((team) => (prefix === null ? team : `${prefix}-${team}`)).join(", ");
}

function spacesCell(region: StatusRegion): string {
  const namespace =
    region.namespace === null
      ? '<span class="muted">namespace unknown</span>'
      : `<span class="mono">${escapeHtml(region.namespace)}</span>`;
  const teams = teamSpacesText(region.team_spaces, region.team_namespace_prefix);
  const muted = region.team_spaces === null || teams === "all teams" ? " muted" : "";
  return `<div>${namespace}</div><div class="small teams${muted}">${escapeHtml(teams)}</div>`;
}

const TRANSIT_LABEL: Record<StatusRegion["transit"]["content"], string> = {
  sealed: "sealed",
  "not-sent": "not sent",
  clear: "clear",
  unknown: "unknown",
};

function transitCell(region: StatusRegion): string {
  const { content, key, table_key: tableKey } = region.transit;
  const keyId = key === null ? null : key.slice(0, key.indexOf("."));
  const title =
    content === "not-sent"
      ? "it has no transit key: peers send it ids and tombstones only"
      : (key ?? "");
  const keyLine =
    keyId === null
      ? ""
      : `<div class="small muted">key <span class="mono">${escapeHtml(keyId)}</span></div>`;
  const stale =
    key !== null && tableKey !== null && key !== tableKey
      ? '<div class="small warn">region table lists another key</div>'
      : "";
  return `<span class="transit transit-${content}" title="${escapeHtml(title)}">${TRANSIT_LABEL[content]}</span>${keyLine}${stale}`;
}

function lagCell(region: StatusRegion): string {
  const { events, seconds } = region.lag;
  if (events === null && seconds === null) return '<span class="muted">unknown</span>';
  const count =
    events === null
      ? '<span class="muted">unknown</span>'
      : `<span class="mono">${formatCount(events)}</span> <span class="muted">${events === 1 ? "event" : "events"}</span>`;
  const time =
    seconds === null
      ? '<span class="muted">unknown</span>'
      : `<span class="mono lag-${lagSeverity(seconds)}">${formatSeconds(seconds)}</span>`;
  return `<div>${count}</div><div>${time}</div>`;
}

function lagSeverity(seconds: number): "ok" | "warn" | "bad" {
  if (seconds >= 300) return "bad";
  if (seconds >= 30) return "warn";
  return "ok";
}

function rateCell(region: StatusRegion): string {
  const rate = region.sync_rate;
  const points = rate.samples.map((s) => ({ t: Date.parse(s.at), value: s.events_per_second }));
  const chart = sparkline(points, `sync rate of ${region.id}, events per second`);
  if (rate.events_per_second === null)
    return `<div class="rate-cell">${chart}<span class="muted small">no data yet</span></div>`;
  const split = `${formatRate(rate.published_per_second ?? 0)} out · ${formatRate(rate.applied_per_second ?? 0)} in`;
  return `<div class="rate-cell">${chart}<span><span class="mono rate">${formatRate(rate.events_per_second)}</span><span class="muted small">/s</span></span></div><div class="small muted" title="events per second over the last ${rate.window_seconds} s: published, applied">${split}</div>`;
}

function probeCell(region: StatusRegion, now: number): string {
  if (region.last_probe_at === null) return '<span class="muted">never</span>';
  const ago = formatAgo(region.last_probe_at, now);
  return `${clock(region.last_probe_at, now)}${ago === "" ? "" : `<div class="small muted">${escapeHtml(ago)}</div>`}`;
}
