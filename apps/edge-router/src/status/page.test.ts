import { describe, expect, it } from "vitest";
import type { StatusDocument, StatusRegion } from "./document.js";
import {
  CROWDED_EUROPE,
  GENERATED_AT,
  SIX_REGIONS,
  statusDoc,
  statusRegion,
  THREE_REGIONS,
} from "./document.testkit.js";
import {
  escapeHtml,
  formatAgo,
  formatBand,
  formatCount,
  formatRate,
  formatSeconds,
} from "./format.js";
import { type Box, overlaps } from "./labels.js";
import { MAP_HEIGHT, MAP_WIDTH } from "./map.js";
import { renderStatusPage, STATUS_CONTENT_SECURITY_POLICY } from "./page.js";
import { teamSpacesText } from "./table.js";
import { TIMELINE_LIMIT } from "./timeline-view.js";
import { project } from "./world.js";

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

/** The table row of region `id`, as text. */
function rowText(html: string, id: string): string {
  const row = html.match(new RegExp(`<tr class="row [^"]*" data-region="${id}">[\\s\\S]*?</tr>`));
  if (!row) throw new Error(`no row for ${id}`);
  return visibleText(`<body>${row[0]}`);
}

/** The boxes of the map's labels as drawn: anchor x, baseline y, two lines of 34 px in all. */
function labelBoxes(html: string, doc: StatusDocument): Map<string, Box> {
  const boxes = new Map<string, Box>();
  for (const m of html.matchAll(
    /<text class="label" text-anchor="(start|end)" data-region="([^"]+)" x="([-\d.]+)" y="([-\d.]+)">/g,
  )) {
    const [, anchor, id, xs, ys] = m as unknown as [string, string, string, string, string];
    const region = doc.regions.find((r) => r.id === id) as StatusRegion;
    // The widest line: the id at ~9.2 px a character, or the sub-line at ~7.
    const width = Math.max(id.length * 9.2, `reader · ${region.health}`.length * 7);
    const x = Number(xs);
    const y0 = Number(ys) - 14;
    boxes.set(id, {
      x0: anchor === "start" ? x : x - width,
      x1: anchor === "start" ? x + width : x,
      y0,
      y1: y0 + 34,
    });
  }
  return boxes;
}

describe("renderStatusPage: document", () => {
  const html = renderStatusPage(statusDoc());

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

  it("states the mode, the writer with its lease token, and when the snapshot was generated", () => {
    const text = visibleText(html);
    expect(text).toContain("active-passive");
    expect(text).toContain("Writer eu-central · token 42");
    expect(text).toContain("2026-05-04 14:32:10 UTC");
    expect(html).toContain(`datetime="${GENERATED_AT}"`);
  });
});

describe("renderStatusPage: three regions", () => {
  const html = renderStatusPage(statusDoc());

  it("has a row and a marker for every region, with its health", () => {
    for (const region of THREE_REGIONS) {
      expect(html).toContain(`<tr class="row s-${region.health}" data-region="${region.id}">`);
      markerAt(html, region.id);
    }
    expect(visibleText(html)).toContain("Regions 3 2 healthy · 1 circuit open");
  });

  it("shows each region's role, leader, band, namespace and team spaces", () => {
    const writer = rowText(html, "eu-central");
    expect(writer).toContain("writer");
    expect(writer).toContain("leader eu-central · 42");
    expect(writer).toContain("\u221215..15");
    expect(writer).toContain("prod-shared");
    expect(writer).toContain("all teams");
    const reader = rowText(html, "us-east");
    expect(reader).toContain("reader");
    expect(reader).toContain("0..12");
    expect(reader).toContain("team-alpha, team-bravo");
  });

  it("shows lag, and the sync rate as a number and an inline chart", () => {
    const reader = rowText(html, "us-east");
    expect(reader).toContain("1,284 events 3.4 s");
    expect(reader).toContain("2.4 /s 0 out · 2.4 in");
    expect(rowText(html, "eu-central")).toContain("8.5 /s 8.5 out · 0 in");
    const row = html.match(/<tr class="row [^"]*" data-region="us-east">[\s\S]*?<\/tr>/)?.[0] ?? "";
    expect(row).toMatch(/<svg class="spark"[^>]*aria-label="sync rate of us-east[^"]*">/);
    expect(row).toMatch(/<path class="spark-line" d="M[\d.]+ [\d.]+(L[\d.]+ [\d.]+){11}"/);
  });

  it("says when a region has no rate yet, and its health, circuit and error", () => {
    const cut = rowText(html, "ap-southeast");
    expect(cut).toContain("no data yet");
    expect(cut).toContain("circuit open");
    expect(cut).toContain("since 14:30:52 (1 min ago)");
    expect(cut).toContain("GET /healthz: timed out after 2000 ms");
    expect(cut).toContain("unknown");
    expect(cut).not.toMatch(/\bnull\b|\bundefined\b|NaN/);
  });

  it("says whether transit content is sealed for each region", () => {
    expect(rowText(html, "eu-central")).toContain("sealed key t1");
    expect(rowText(html, "ap-southeast")).toContain("not sent");
    const clear = renderStatusPage(
      statusDoc({
        regions: [
          statusRegion({
            id: "plain",
            transit: { content: "clear", encryption: "clear", key: null, table_key: null },
          }),
          statusRegion({
            id: "old",
            transit: { content: "unknown", encryption: null, key: null, table_key: null },
          }),
          statusRegion({
            id: "rotated",
            transit: {
              content: "sealed",
              encryption: "sealed",
              key: `t2.B${"y".repeat(86)}`,
              table_key: `t1.B${"x".repeat(86)}`,
            },
          }),
        ],
      }),
    );
    expect(rowText(clear, "plain")).toContain("clear");
    expect(rowText(clear, "old")).toContain("unknown");
    expect(rowText(clear, "rotated")).toContain("region table lists another key");
  });

  it("marks the writer with a ring and draws replication links from it", () => {
    expect(html).toMatch(
      /<g class="marker s-healthy is-writer" data-region="eu-central">[\s\S]*?writer-ring/,
    );
    expect(html.match(/<path class="link /g)).toHaveLength(2);
    expect(html).toContain('<path class="link s-circuit-open"');
  });

  it("shows a region's band from the region table until it answers a probe", () => {
    const page = renderStatusPage(
      statusDoc({
        regions: [
          statusRegion({ id: "fresh", self_reported: false, namespace: null, health: "unprobed" }),
        ],
      }),
    );
    expect(rowText(page, "fresh")).toContain("\u221215..15 (table)");
    expect(rowText(page, "fresh")).toContain("namespace unknown");
  });
});

describe("renderStatusPage: six regions", () => {
  for (const [name, regions] of [
    ["the demo's six", SIX_REGIONS],
    ["six crowded into Europe", CROWDED_EUROPE],
  ] as const) {
    it(`${name}: every label inside the map, none over another label or a marker`, () => {
      const doc = statusDoc({ regions, writer: regions[0]?.id ?? null });
      const html = renderStatusPage(doc);
      const boxes = labelBoxes(html, doc);
      expect([...boxes.keys()].sort()).toEqual(regions.map((r) => r.id).sort());
      const list = [...boxes.entries()];
      for (const [id, box] of list) {
        expect(box.x0, id).toBeGreaterThanOrEqual(0);
        expect(box.x1, id).toBeLessThanOrEqual(MAP_WIDTH);
        expect(box.y0, id).toBeGreaterThanOrEqual(0);
        expect(box.y1, id).toBeLessThanOrEqual(MAP_HEIGHT);
        for (const [other, otherBox] of list)
          if (other !== id) expect(overlaps(box, otherBox), `${id} over ${other}`).toBe(false);
        for (const region of regions) {
          const at = markerAt(html, region.id);
          const dot = { x0: at.x - 6, y0: at.y - 6, x1: at.x + 6, y1: at.y + 6 };
          expect(overlaps(box, dot), `${id}'s label over ${region.id}'s marker`).toBe(false);
        }
      }
    });
  }

  it("has one row per region with its own band and health", () => {
    const html = renderStatusPage(statusDoc({ regions: SIX_REGIONS, writer: "region-a" }));
    expect(html.match(/<tr class="row /g)).toHaveLength(6);
    expect(rowText(html, "region-d")).toContain("\u221210..10");
    expect(rowText(html, "region-d")).toContain("312 events 41 s");
    expect(rowText(html, "region-e")).toContain("half-open");
    expect(rowText(html, "region-f")).toContain("team-alpha");
    expect(visibleText(html)).toContain("Regions 6 5 healthy · 1 half-open");
  });

  it("places every region at its projected coordinates", () => {
    const html = renderStatusPage(statusDoc({ regions: SIX_REGIONS, writer: "region-a" }));
    for (const r of SIX_REGIONS) {
      const at = markerAt(html, r.id);
      const expected = project(r.lat, r.lon, MAP_WIDTH, MAP_HEIGHT);
      expect(Math.abs(at.x - expected.x)).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(Math.abs(at.y - expected.y)).toBeLessThanOrEqual(0.05 + 1e-9);
    }
  });
});

describe("renderStatusPage: timeline", () => {
  const html = renderStatusPage(statusDoc());
  const text = visibleText(html);

  it("lists promotions, writer changes, failovers and health changes, newest first", () => {
    const order = [
      "eu-central promoted",
      "writer us-east → eu-central",
      "ap-southeast → us-east",
      "ap-southeast became unhealthy",
      "us-east recovered",
    ].map((s) => text.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(text).toContain("to writer · lease token 42");
    expect(text).toContain("through the router");
    expect(text).toContain("GET /v1/memories/01J9Z4K2M8");
    expect(text).toContain("probe failed: timed out");
    expect(text).toContain("Timeline 5");
    expect(html).toContain(
      '<time class="mono" datetime="2026-05-04T14:31:58.000Z">14:31:58</time>',
    );
    expect(text).toContain("12 s ago");
  });

  it(`shows the latest ${TIMELINE_LIMIT} entries and counts the rest, those no longer kept too`, () => {
    const many = Array.from({ length: TIMELINE_LIMIT + 3 }, (_, i) => ({
      kind: "health" as const,
      at: new Date(Date.parse(GENERATED_AT) - (i + 1) * 60_000).toISOString(),
      region: `r${i}`,
      healthy: true,
      error: null,
    }));
    const page = renderStatusPage(statusDoc({ timeline: many, timeline_dropped: 40 }));
    expect(page.match(/<li class="event /g)).toHaveLength(TIMELINE_LIMIT);
    expect(page).toContain("r0 recovered");
    expect(page).not.toContain(`r${TIMELINE_LIMIT} recovered`);
    expect(visibleText(page)).toContain("and 43 earlier");
    expect(visibleText(page)).toContain(`Timeline ${many.length + 40}`);
  });

  it("renders an empty timeline and no regions without nulls", () => {
    const page = visibleText(
      renderStatusPage(statusDoc({ timeline: [], regions: [], writer: null })),
    );
    expect(page).toContain("Nothing has happened yet");
    expect(page).toContain("No regions configured.");
    expect(page).not.toMatch(/\bnull\b|\bundefined\b|NaN/);
  });
});

describe("renderStatusPage: escaping", () => {
  const hostile = "<script>alert(1)</script>";
  const html = renderStatusPage(
    statusDoc({
      writer: `"><img src=x onerror=alert(2)>`,
      regions: [
        statusRegion({
          id: `eu"><svg onload=alert(3)>`,
          url: "javascript:alert(4)",
          continent: "<b>EU</b>",
          health: "circuit-open",
          circuit: "open",
          last_error: hostile,
          leader: { holder: "<i>x</i>", token: 7 },
          namespace: "<u>ns</u>",
          team_spaces: ["<b>t</b>"],
          team_namespace_prefix: "<i>p</i>",
          transit: { content: "sealed", encryption: "sealed", key: "<s>k</s>.x", table_key: null },
        }),
      ],
      timeline: [
        {
          kind: "failover",
          at: GENERATED_AT,
          from: "<b>a</b>",
          to: "b&c",
          method: "<GET>",
          path: `/v1/'"><script>alert(5)</script>`,
          reason: hostile,
        },
        { kind: "promotion", at: GENERATED_AT, region: "<i>r</i>", token: 1, via: "probe" },
        { kind: "health", at: GENERATED_AT, region: "<b>h</b>", healthy: false, error: hostile },
      ],
    }),
  );

  it("leaves no markup from the snapshot alive", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<svg onload/i);
    expect(html).not.toMatch(/<[bius]>/);
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
    expect(html).toContain("&lt;i&gt;p&lt;/i&gt;-&lt;b&gt;t&lt;/b&gt;");
  });

  it("escapes the five HTML-significant characters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
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
  it("groups counts, scales durations and rates, and writes bands with a minus sign", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(1284)).toBe("1,284");
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatSeconds(0)).toBe("0.0 s");
    expect(formatSeconds(3.44)).toBe("3.4 s");
    expect(formatSeconds(42.4)).toBe("42 s");
    expect(formatSeconds(185)).toBe("3 min 5 s");
    expect(formatSeconds(900)).toBe("15 min");
    expect(formatSeconds(7800)).toBe("2 h 10 min");
    expect(formatRate(0)).toBe("0");
    expect(formatRate(0.4166)).toBe("0.42");
    expect(formatRate(3.14)).toBe("3.1");
    expect(formatRate(27.4)).toBe("27");
    expect(formatRate(1203.6)).toBe("1,204");
    expect(formatBand({ floor: -5, ceiling: 15 })).toBe("\u22125..15");
  });

  it("names team spaces with their prefix, or all teams", () => {
    expect(teamSpacesText(["alpha", "bravo"], "team")).toBe("team-alpha, team-bravo");
    expect(teamSpacesText(["*"], "team")).toBe("all teams");
    expect(teamSpacesText([], "team")).toBe("no team spaces");
    expect(teamSpacesText(null, null)).toBe("unknown");
    expect(teamSpacesText(["alpha"], null)).toBe("alpha");
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
