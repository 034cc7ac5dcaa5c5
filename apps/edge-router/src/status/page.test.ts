import { describe, expect, it } from "vitest";
import type { FailoverRecord, RegionView, RouterSnapshot } from "../snapshot.js";
import {
  escapeHtml,
  formatAgo,
  formatCount,
  formatSeconds,
  healthOf,
  MAP_HEIGHT,
  MAP_WIDTH,
  renderStatusPage,
  STATUS_CONTENT_SECURITY_POLICY,
  TIMELINE_LIMIT,
} from "./page.js";
import { project } from "./world.js";

const GENERATED_AT = "2026-05-04T14:32:10.000Z";

function region(overrides: Partial<RegionView> & Pick<RegionView, "id">): RegionView {
  return {
    url: `https://${overrides.id}.memoria.example`,
    lat: 50.11,
    lon: 8.68,
    role: "reader",
    enabled: true,
    healthy: true,
    circuit: "closed",
    openedAt: null,
    lastProbeAt: "2026-05-04T14:32:07.000Z",
    lastError: null,
    lagEvents: 0,
    lagSeconds: 0,
    leader: { holder: "eu-central", token: 42 },
    applied: {},
    ...overrides,
  };
}

function failover(at: string, path: string, overrides: Partial<FailoverRecord> = {}) {
  return {
    at,
    from: "ap-southeast",
    to: "eu-central",
    method: "GET",
    path,
    reason: "timeout",
    ...overrides,
  };
}

function snapshot(overrides: Partial<RouterSnapshot> = {}): RouterSnapshot {
  return {
    generatedAt: GENERATED_AT,
    mode: "active-passive",
    writer: "eu-central",
    regions: [
      region({ id: "eu-central", role: "writer" }),
      region({ id: "us-east", lat: 39.04, lon: -77.49, lagEvents: 1284, lagSeconds: 3.4 }),
      region({
        id: "ap-southeast",
        lat: 1.35,
        lon: 103.82,
        healthy: false,
        circuit: "open",
        openedAt: "2026-05-04T14:30:52.000Z",
        lastError: "GET /healthz: timed out after 2000 ms",
        lagEvents: null,
        lagSeconds: null,
        leader: null,
      }),
    ],
    failovers: [
      failover("2026-05-04T14:31:58.000Z", "/v1/newest"),
      failover("2026-05-04T14:31:12.000Z", "/v1/middle", { to: "us-east", reason: "upstream 503" }),
      failover("2026-05-04T13:05:37.000Z", "/v1/oldest", { method: "HEAD" }),
    ],
    ...overrides,
  };
}

/** The `cx`/`cy` of the marker dot drawn for `id`. */
function markerAt(html: string, id: string): { x: number; y: number } {
  const group = html.match(
    new RegExp(`<g class="marker[^"]*" data-region="${id}">([\\s\\S]*?)</g>`),
  );
  const dot = group?.[1]?.match(/class="dot" cx="([-\d.]+)" cy="([-\d.]+)"/);
  if (dot?.[1] === undefined || dot[2] === undefined) throw new Error(`no marker for ${id}`);
  return { x: Number(dot[1]), y: Number(dot[2]) };
}

/** Every tag's name and attribute names, with the (quoted, escaped) attribute values emptied. */
function tagsWithoutValues(html: string): string[] {
  return [...html.matchAll(/<[a-zA-Z!][^>]*>/g)].map((m) => m[0].replace(/"[^"]*"/g, '""'));
}

/** The text a person sees (tags removed, entities left as they are). */
function visibleText(html: string): string {
  const body = html.slice(html.indexOf("<body>"));
  return body.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ");
}

describe("renderStatusPage: document", () => {
  const html = renderStatusPage(snapshot());

  it("is a complete HTML5 document with the title, charset, viewport and auto-refresh", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain("<title>Memoria Edge — status</title>");
    expect(html).toContain('<meta http-equiv="refresh" content="5">');
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
  });

  it("loads nothing: no scripts, no external src/href, no stylesheet links or imports", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(
      /\s(?:src|href|xlink:href|action|poster)\s*=\s*["']?\s*(?:https?:)?\/\//i,
    );
    expect(html).not.toMatch(/url\(|@import|rel="stylesheet"/i);
    expect(tagsWithoutValues(html).filter((tag) => /\son[a-z]+\s*=/i.test(tag))).toEqual([]);
    for (const [, value] of html.matchAll(/\s(?:src|href)="([^"]*)"/g)) {
      expect(value).toMatch(/^data:/);
    }
  });

  it("states the mode, the writer and when the snapshot was generated", () => {
    const text = visibleText(html);
    expect(text).toContain("active-passive");
    expect(text).toContain("Writer eu-central");
    expect(text).toContain("2026-05-04 14:32:10 UTC");
    expect(html).toContain(`datetime="${GENERATED_AT}"`);
  });

  it("names every region, its role, health, lag, leader and last probe", () => {
    const text = visibleText(html);
    for (const id of ["eu-central", "us-east", "ap-southeast"]) {
      expect(html).toContain(
        `<tr class="row s-${healthOf(snapshot().regions.find((r) => r.id === id) ?? region({ id }))}" data-region="${id}">`,
      );
      expect(text).toContain(id);
    }
    expect(text).toContain("writer");
    expect(text).toContain("reader");
    expect(text).toContain("1,284 events");
    expect(text).toContain("3.4 s");
    expect(text).toContain("0 events");
    expect(text).toContain("eu-central · token 42");
    expect(text).toContain("14:32:07 (3 s ago)");
  });

  it("lists failovers newest first, with time, route, request and reason", () => {
    const text = visibleText(html);
    const order = ["/v1/newest", "/v1/middle", "/v1/oldest"].map((p) => text.indexOf(p));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(text).toContain("ap-southeast → us-east");
    expect(text).toContain("upstream 503");
    expect(text).toContain("HEAD /v1/oldest");
    expect(html).toContain(
      '<time class="mono" datetime="2026-05-04T14:31:58.000Z">14:31:58</time>',
    );
    expect(text).toContain("12 s ago");
  });

  it("orders failovers newest first even when handed them out of order", () => {
    const shuffled = snapshot({
      failovers: [
        failover("2026-05-04T13:05:37.000Z", "/v1/oldest"),
        failover("2026-05-04T14:31:58.000Z", "/v1/newest"),
        failover("2026-05-04T14:31:12.000Z", "/v1/middle"),
      ],
    });
    const text = visibleText(renderStatusPage(shuffled));
    const order = ["/v1/newest", "/v1/middle", "/v1/oldest"].map((p) => text.indexOf(p));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it(`shows the latest ${TIMELINE_LIMIT} failovers and counts the rest`, () => {
    const many = Array.from({ length: TIMELINE_LIMIT + 3 }, (_, i) =>
      failover(new Date(Date.parse(GENERATED_AT) - (i + 1) * 60_000).toISOString(), `/v1/f${i}`),
    );
    const html = renderStatusPage(snapshot({ failovers: many }));
    expect(html.match(/<li class="event">/g)).toHaveLength(TIMELINE_LIMIT);
    expect(html).toContain("/v1/f0");
    expect(html).not.toContain(`/v1/f${TIMELINE_LIMIT}`);
    expect(visibleText(html)).toContain("and 3 earlier");
  });
});

describe("renderStatusPage: health", () => {
  it("labels an open circuit in words as well as colour, with when it opened and the error", () => {
    const html = renderStatusPage(snapshot());
    const row = html.match(
      /<tr class="row s-circuit-open" data-region="ap-southeast">[\s\S]*?<\/tr>/,
    )?.[0];
    expect(row).toBeDefined();
    const text = visibleText(`<body>${row}`);
    expect(text).toContain("circuit open");
    expect(text).toContain("since 14:30:52 (1 min ago)");
    expect(text).toContain("GET /healthz: timed out after 2000 ms");
    expect(html).toContain("reader · circuit open</tspan>");
  });

  it("labels half-open, not ready, not probed and disabled regions", () => {
    const html = renderStatusPage(
      snapshot({
        regions: [
          region({ id: "half", circuit: "half-open", healthy: false, openedAt: GENERATED_AT }),
          region({ id: "down", healthy: false, lastError: "503" }),
          region({ id: "fresh", healthy: false, lastProbeAt: null }),
          region({ id: "off", enabled: false }),
        ],
      }),
    );
    const text = visibleText(html);
    expect(text).toContain("half-open");
    expect(text).toContain("not ready");
    expect(text).toContain("not probed yet");
    expect(text).toContain("never");
    expect(text).toContain("disabled");
    expect(text).toContain("Regions 4 1 half-open · 1 not ready · 1 not probed yet · 1 disabled");
  });

  it("renders zero failovers and unknown lag without nulls", () => {
    const html = renderStatusPage(
      snapshot({
        writer: null,
        failovers: [],
        regions: [region({ id: "solo", lagEvents: null, lagSeconds: null, leader: null })],
      }),
    );
    const text = visibleText(html);
    expect(text).toContain("No failovers recorded.");
    expect(text).toContain("Failovers 0");
    expect(text).toContain("unknown");
    expect(text).toContain("none");
    expect(text).not.toMatch(/\bnull\b|\bundefined\b|NaN/);
    expect(html).not.toContain('<li class="event">');
  });

  it("renders with no regions at all", () => {
    const text = visibleText(renderStatusPage(snapshot({ regions: [], writer: null })));
    expect(text).toContain("No regions configured.");
  });
});

describe("renderStatusPage: escaping", () => {
  const hostile = "<script>alert(1)</script>";
  const html = renderStatusPage(
    snapshot({
      writer: `"><img src=x onerror=alert(2)>`,
      regions: [
        region({
          id: `eu"><svg onload=alert(3)>`,
          url: "javascript:alert(4)",
          continent: "<b>EU</b>",
          circuit: "open",
          healthy: false,
          lastError: hostile,
          leader: { holder: "<i>x</i>", token: 7 },
        }),
      ],
      failovers: [
        failover(GENERATED_AT, `/v1/'"><script>alert(5)</script>`, {
          from: "<b>a</b>",
          to: "b&c",
          method: "<GET>",
          reason: hostile,
        }),
      ],
    }),
  );

  it("leaves no markup from the snapshot alive", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<svg onload/i);
    expect(html).not.toMatch(/<[bi]>/);
    // Event-handler attributes appear only as escaped text inside values, never as attributes.
    expect(tagsWithoutValues(html).filter((tag) => /\son[a-z]+\s*=/i.test(tag))).toEqual([]);
    expect(html).not.toContain('href="javascript:');
  });

  it("shows the hostile strings as text", () => {
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain('data-region="eu&quot;&gt;&lt;svg onload=alert(3)&gt;"');
    expect(html).toContain("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;");
    expect(html).toContain("/v1/&#39;&quot;&gt;&lt;script&gt;alert(5)&lt;/script&gt;");
    expect(html).toContain("b&amp;c");
    expect(html).toContain("&lt;GET&gt;");
  });

  it("escapes the five HTML-significant characters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
  });
});

describe("renderStatusPage: map", () => {
  it("puts a region at 0°, 0° on the projected centre meridian and equator", () => {
    const html = renderStatusPage(
      snapshot({ regions: [region({ id: "null-island", lat: 0, lon: 0 })] }),
    );
    const at = markerAt(html, "null-island");
    const expected = project(0, 0, MAP_WIDTH, MAP_HEIGHT);
    expect(at.x).toBe(MAP_WIDTH / 2);
    expect(Math.abs(at.y - expected.y)).toBeLessThanOrEqual(0.05 + 1e-9);
    // The equator line is drawn at the same height.
    expect(html).toContain(
      `class="equator" d="M0 ${Math.round(expected.y * 10) / 10}H${MAP_WIDTH}"`,
    );
  });

  it("places every region at its projected coordinates", () => {
    const snap = snapshot();
    const html = renderStatusPage(snap);
    for (const r of snap.regions) {
      const at = markerAt(html, r.id);
      const expected = project(r.lat, r.lon, MAP_WIDTH, MAP_HEIGHT);
      // Coordinates are written rounded to 0.1.
      expect(Math.abs(at.x - expected.x)).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(Math.abs(at.y - expected.y)).toBeLessThanOrEqual(0.05 + 1e-9);
    }
    // Frankfurt is east of Washington, and both are north of Singapore.
    const fra = markerAt(html, "eu-central");
    const iad = markerAt(html, "us-east");
    const sin = markerAt(html, "ap-southeast");
    expect(fra.x).toBeGreaterThan(iad.x);
    expect(sin.y).toBeGreaterThan(fra.y);
    expect(sin.y).toBeGreaterThan(iad.y);
  });

  it("marks the writer with a ring and draws replication links from it", () => {
    const html = renderStatusPage(snapshot());
    expect(html).toMatch(
      /<g class="marker s-healthy is-writer" data-region="eu-central">[\s\S]*?writer-ring/,
    );
    expect(html).not.toMatch(
      /data-region="us-east">[^<]*<circle class="halo"[^>]*\/><circle class="writer-ring"/,
    );
    expect(html.match(/<path class="link /g)).toHaveLength(2);
    expect(html).toContain('<path class="link s-circuit-open"');
  });

  it("keeps a label near the antimeridian inside the map", () => {
    const html = renderStatusPage(
      snapshot({ regions: [region({ id: "nz", lat: -36.85, lon: 174.76 })], writer: null }),
    );
    const label = html.match(/<text class="label" text-anchor="(start|end)" x="([\d.]+)"/);
    expect(label?.[1]).toBe("end");
    expect(Number(label?.[2])).toBeLessThan(markerAt(html, "nz").x);
  });

  it("lists regions without usable coordinates instead of drawing them", () => {
    const html = renderStatusPage(
      snapshot({ regions: [region({ id: "nowhere", lat: Number.NaN, lon: 0 })], writer: null }),
    );
    expect(html).not.toContain('data-region="nowhere">\n<circle');
    expect(visibleText(html)).toContain("No coordinates: nowhere");
  });
});

describe("STATUS_CONTENT_SECURITY_POLICY", () => {
  it("allows inline styles and data: images only", () => {
    const directives = Object.fromEntries(
      STATUS_CONTENT_SECURITY_POLICY.split(";").map((d) => {
        const [name = "", ...values] = d.trim().split(/\s+/);
        return [name, values.join(" ")];
      }),
    );
    expect(directives["default-src"]).toBe("'none'");
    expect(directives["style-src"]).toBe("'unsafe-inline'");
    expect(directives["img-src"]).toBe("data:");
    expect(directives["script-src"]).toBeUndefined();
    expect(STATUS_CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*/);
  });
});

describe("formatting", () => {
  it("groups counts and scales durations", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(1284)).toBe("1,284");
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatSeconds(0)).toBe("0.0 s");
    expect(formatSeconds(3.44)).toBe("3.4 s");
    expect(formatSeconds(42.4)).toBe("42 s");
    expect(formatSeconds(185)).toBe("3 min 5 s");
    expect(formatSeconds(900)).toBe("15 min");
    expect(formatSeconds(7800)).toBe("2 h 10 min");
  });

  it("says how long ago, relative to the snapshot", () => {
    const now = Date.parse(GENERATED_AT);
    expect(formatAgo(GENERATED_AT, now)).toBe("just now");
    expect(formatAgo("2026-05-04T14:31:58.000Z", now)).toBe("12 s ago");
    expect(formatAgo("2026-05-04T13:05:37.000Z", now)).toBe("1 h 26 min ago");
    expect(formatAgo("2026-05-04T14:32:15.000Z", now)).toBe("in 5 s");
    expect(formatAgo("not a date", now)).toBe("");
  });
});
