/**
 * `GET /status` answers a person with the page and a script with JSON, by the request's
 * `Accept`. The page wins unless JSON is preferred: by a higher q-value, or at the same
 * q-value by being named while the page is matched only by a wildcard. So a browser
 * (`text/html,…,*\/*;q=0.8`), `curl` with no flags (`*\/*`) and a request without `Accept`
 * get the page; `Accept: application/json` (and `application/json, text/plain, *\/*`, what
 * many HTTP libraries send) gets JSON.
 */

const PAGE = "text/html";
const JSON_TYPE = "application/json";

interface Preference {
  q: number;
  /** 2: named exactly, 1: `type/*`, 0: `*\/*`, -1: not accepted at all. */
  specificity: number;
}

export function prefersJson(accept: string | null | undefined): boolean {
  if (accept === null || accept === undefined || accept.trim() === "") return false;
  const ranges = parseAccept(accept);
  const json = preferenceFor(JSON_TYPE, ranges);
  const page = preferenceFor(PAGE, ranges);
  if (json.q <= 0) return false;
  return json.q > page.q || (json.q === page.q && json.specificity > page.specificity);
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

/** Media ranges with their q-values (missing or malformed q: 1; a header is at most a few hundred ranges). */
function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(",")
    .slice(0, 200)
    .flatMap((part) => {
      const [range = "", ...params] = part.split(";").map((p) => p.trim().toLowerCase());
      const [type, subtype] = range.split("/");
      if (!type || !subtype) return [];
      const qParam = params.find((p) => p.startsWith("q="));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      return [{ type, subtype, q: Number.isFinite(q) ? Math.min(1, Math.max(0, q)) : 1 }];
    });
}

/** The q-value of the most specific range that matches `mediaType` (RFC 9110 §12.5.1). */
function preferenceFor(mediaType: string, ranges: readonly MediaRange[]): Preference {
  const [type, subtype] = mediaType.split("/");
  let best: Preference = { q: 0, specificity: -1 };
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === "*"
          ? 1
          : range.type === "*" && range.subtype === "*"
            ? 0
            : -1;
    if (specificity > best.specificity) best = { q: range.q, specificity };
  }
  return best.specificity < 0 ? { q: 0, specificity: -1 } : best;
}
