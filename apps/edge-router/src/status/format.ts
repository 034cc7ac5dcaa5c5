/**
 * Text for the status page: escaping (every string from the snapshot goes through
 * `escapeHtml`), times relative to the snapshot, counts, durations, rates. No locale data:
 * workerd's may differ from a browser's.
 */

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

/** An SVG coordinate, to 0.1. */
export function fmt(n: number): string {
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
export function clock(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return `<span class="mono">${escapeHtml(iso)}</span>`;
  const d = new Date(t);
  const nowDate = new Date(Number.isNaN(now) ? t : now);
  const day = d.toISOString().slice(0, 10);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const label = day === nowDate.toISOString().slice(0, 10) ? time : `${day} ${time}`;
  return `<time class="mono" datetime="${escapeHtml(iso)}">${label}</time>`;
}

export function timeCell(iso: string, now: number): string {
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

export function formatCoord(value: number, positive: string, negative: string): string {
  return `${Math.abs(Math.round(value * 10) / 10)}°${value >= 0 ? positive : negative}`;
}

/** `0`, `0.42`, `3.1`, `27`, `1,204` events per second: two significant digits below 10. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return String(perSecond);
  if (perSecond === 0) return "0";
  if (perSecond < 10) return String(Number(perSecond.toPrecision(2)));
  return formatCount(Math.round(perSecond));
}

/** `−5..15`, with a real minus sign. */
export function formatBand(band: { floor: number; ceiling: number }): string {
  const n = (v: number) => (v < 0 ? `\u2212${-v}` : String(v));
  return `${n(band.floor)}..${n(band.ceiling)}`;
}
