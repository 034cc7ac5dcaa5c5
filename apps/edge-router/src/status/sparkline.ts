/**
 * A small inline SVG chart of a series over time (the sync rate): a line and the area
 * under it, time along x (so a gap in probes shows as a longer segment), zero at the
 * bottom and the series' maximum at the top. Numbers only go into the markup.
 */

import { escapeHtml, fmt } from "./format.js";

export interface SparkPoint {
  /** ms since the epoch */
  t: number;
  value: number;
}

export const SPARK_WIDTH = 72;
export const SPARK_HEIGHT = 22;
/** Room at the edges so the line's stroke is not clipped. */
const PAD = 1.5;

/** The chart, or an empty frame with a dash when there is nothing to draw yet. */
export function sparkline(points: readonly SparkPoint[], label: string): string {
  const open = `<svg class="spark" viewBox="0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}" width="${SPARK_WIDTH}" height="${SPARK_HEIGHT}" role="img" aria-label="${escapeHtml(label)}">`;
  const base = `<path class="spark-base" d="M0 ${SPARK_HEIGHT - 0.5}H${SPARK_WIDTH}"/>`;
  if (points.length === 0) return `${open}${base}</svg>`;
  const xy = sparkCoordinates(points);
  const line = xy.map((p, i) => `${i === 0 ? "M" : "L"}${fmt(p.x)} ${fmt(p.y)}`).join("");
  const first = xy[0] as { x: number; y: number };
  const last = xy[xy.length - 1] as { x: number; y: number };
  const bottom = SPARK_HEIGHT - PAD;
  const area = `${line}L${fmt(last.x)} ${fmt(bottom)}L${fmt(first.x)} ${fmt(bottom)}Z`;
  const dot = `<circle class="spark-dot" cx="${fmt(last.x)}" cy="${fmt(last.y)}" r="2"/>`;
  return `${open}${base}<path class="spark-area" d="${area}"/><path class="spark-line" d="${line}"/>${dot}</svg>`;
}

/** Where each point lands in the chart (exported for tests). */
export function sparkCoordinates(points: readonly SparkPoint[]): Array<{ x: number; y: number }> {
  const t0 = Math.min(...points.map((p) => p.t));
  const t1 = Math.max(...points.map((p) => p.t));
  const max = Math.max(0, ...points.map((p) => (Number.isFinite(p.value) ? p.value : 0)));
  const spanX = SPARK_WIDTH - 2 * PAD;
  const spanY = SPARK_HEIGHT - 2 * PAD;
  return points.map((p) => {
    const value = Number.isFinite(p.value) ? Math.max(0, p.value) : 0;
    return {
      x: t1 === t0 ? SPARK_WIDTH - PAD : PAD + ((p.t - t0) / (t1 - t0)) * spanX,
      y: SPARK_HEIGHT - PAD - (max === 0 ? 0 : (value / max) * spanY),
    };
  });
}
