/**
 * The status page's world map: a marker per region at its coordinates (coloured by health,
 * ringed for the writer), replication links from the writer, and labels placed so they
 * never collide (labels.ts). Inline SVG only.
 */

import type { HealthState, StatusDocument, StatusRegion } from "./document.js";
import { escapeHtml, fmt } from "./format.js";
import { leaderEnd, type Placement, placeLabels } from "./labels.js";
import { lakesPath, project, worldPath } from "./world.js";

/** The map's SVG coordinate space (equirectangular, 360° × 144° → 2.5 : 1). */
export const MAP_WIDTH = 1000;
export const MAP_HEIGHT = 400;

const LABEL_HEIGHT = 34;

interface Marker {
  region: StatusRegion;
  state: HealthState;
  isWriter: boolean;
  x: number;
  y: number;
}

/** The writer is the snapshot's (the newest lease); with none known, whoever says it is. */
export function isWriter(region: StatusRegion, writer: string | null): boolean {
  return writer === null ? region.role === "writer" : region.id === writer;
}

export function renderMap(doc: StatusDocument, healthLabel: (s: HealthState) => string): string {
  const markers: Marker[] = [];
  const unplaced: StatusRegion[] = [];
  for (const region of doc.regions) {
    if (!Number.isFinite(region.lat) || !Number.isFinite(region.lon)) {
      unplaced.push(region);
      continue;
    }
    const { x, y } = project(region.lat, region.lon, MAP_WIDTH, MAP_HEIGHT);
    const writer = isWriter(region, doc.writer);
    markers.push({ region, state: region.health, isWriter: writer, x, y });
  }
  const subs = markers.map((m) => `${m.isWriter ? "writer" : "reader"} · ${healthLabel(m.state)}`);
  const placements = placeLabels(
    markers.map((m, i) => ({
      x: m.x,
      y: m.y,
      radius: m.isWriter ? 17 : 13,
      width: labelWidth(m.region.id, subs[i] as string),
      height: LABEL_HEIGHT,
    })),
    { width: MAP_WIDTH, height: MAP_HEIGHT },
  );
  const labels = markers.map((m, i) =>
    renderLabel(m, subs[i] as string, placements[i] as Placement),
  );
  const note =
    unplaced.length === 0
      ? ""
      : `<p class="muted small">No coordinates: ${unplaced.map((r) => escapeHtml(r.id)).join(", ")}</p>`;
  return `<svg class="map" viewBox="0 0 ${MAP_WIDTH} ${MAP_HEIGHT}" role="img" aria-label="World map of the regions">
<rect class="sea" width="${MAP_WIDTH}" height="${MAP_HEIGHT}" rx="8"/>
${graticule()}
<path class="land" d="${worldPath(MAP_WIDTH, MAP_HEIGHT)}"/>
<path class="sea-fill" d="${lakesPath(MAP_WIDTH, MAP_HEIGHT)}"/>
${renderLinks(markers)}
${markers.map(renderMarker).join("\n")}
${labels.join("\n")}
</svg>${note}`;
}

/** A generous estimate of the label's width (15 px bold id, 12 px line under it). */
function labelWidth(id: string, sub: string): number {
  return Math.ceil(Math.max(id.length * 9.2, sub.length * 7) + 6);
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

/** Replication links: from the writer to every other region, arched like a flight path. */
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

function renderLabel(m: Marker, sub: string, placement: Placement): string {
  const { box, anchor } = placement;
  const x = anchor === "start" ? box.x0 + 2 : box.x1 - 2;
  const end = leaderEnd(m.x, m.y, box);
  // From just outside the dot, so the line does not cross it.
  const length = Math.hypot(end.x - m.x, end.y - m.y) || 1;
  const from = { x: m.x + ((end.x - m.x) / length) * 8, y: m.y + ((end.y - m.y) / length) * 8 };
  const leader = placement.leader
    ? `<path class="leader" d="M${fmt(from.x)} ${fmt(from.y)}L${fmt(end.x)} ${fmt(end.y)}"/>`
    : "";
  return `${leader}<text class="label" text-anchor="${anchor}" data-region="${escapeHtml(m.region.id)}" x="${fmt(x)}" y="${fmt(box.y0 + 14)}"><tspan class="label-id">${escapeHtml(m.region.id)}</tspan><tspan class="label-sub t-${m.state}" x="${fmt(x)}" dy="16">${escapeHtml(sub)}</tspan></text>`;
}
