import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoRegions, type Topology } from "@memoria/gateway/local/topology";
import { syncHealthSchema } from "@memoria/sync-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRouter, startRouter } from "../local/router.js";
import { type StatusDocument, statusDocumentSchema } from "../src/status/document.js";
import { SIX_REGIONS, statusDoc } from "../src/status/document.testkit.js";
import { renderStatusPage } from "../src/status/page.js";
import { ensureChromium, screenshot } from "./chromium.js";
import { startRegions } from "./regions.js";

/**
 * The status page as a person sees it, in headless Chromium, saved under test/artifacts/:
 * three real regions as `pnpm start --regions 3` starts them (status.png), and six from a
 * fixture (status-6-regions.png), where map labels and table must stay readable. The live
 * topology is also where `GET /status` JSON and the timeline's promotions and writer changes
 * are checked end to end, since it is started anyway.
 */

const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const NEW_YORK = { latitude: "40.71", longitude: "-74.01", continent: "NA" };
const BROWSER_ACCEPT =
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

let chromium: string;
let topology: Topology;
let router: RunningRouter;

beforeAll(async () => {
  chromium = ensureChromium();
  topology = await startRegions("st", demoRegions(3));
  router = await startRouter({
    regions: topology.regionTable,
    apiKey: topology.apiKey,
    monitorKey: topology.monitorKey,
    vars: { MEMORIA_ROUTER__PROBE_INTERVAL_MS: "1000" },
  });
  await router.scheduled();
}, 20 * 60_000);
afterAll(async () => {
  await router?.stop();
  await topology?.stop();
});

/** Renders `html` at `width`×`height` into `artifacts/<name>` and checks it is a real picture. */
async function shoot(html: string, name: string, width: number, height: number): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "memoria-status-"));
  const htmlPath = join(dir, "status.html");
  const outPath = join(ARTIFACTS, name);
  rmSync(outPath, { force: true });
  try {
    writeFileSync(htmlPath, html);
    await screenshot({ chromium, htmlPath, outPath, width, height, timeoutMs: 60_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const png = readFileSync(outPath);
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  // A blank page compresses to a few KB; the map and table make it far larger.
  expect(png.length).toBeGreaterThan(20_000);
  // IHDR: width and height as big-endian 32-bit integers at offsets 16 and 20.
  expect(png.readUInt32BE(16)).toBe(width);
  expect(png.readUInt32BE(20)).toBe(height);
}

async function statusJson(): Promise<StatusDocument> {
  const response = await router.fetch("/status", { headers: { accept: "application/json" } });
  expect(response.status).toBe(200);
  return statusDocumentSchema.parse(await response.json());
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

async function write(count: number, tag: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await router.fetch("/memory", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: `${tag} ${i}`, y: 5 }),
      cf: NEW_YORK,
    });
    expect(response.status).toBe(201);
    await response.arrayBuffer();
  }
}

describe("six regions (a fixture)", () => {
  it("keep map labels apart and every table row readable", async () => {
    const doc = statusDoc({ regions: SIX_REGIONS, writer: "region-a" });
    await shoot(renderStatusPage(doc), "status-6-regions.png", 1280, 960);
  }, 90_000);
});

describe("three regions, as `pnpm start --regions 3` starts them", () => {
  it("each region's /health/sync carries its team spaces, transit key and event totals", async () => {
    await write(3, "totals");
    for (const spec of topology.specs) {
      const health = await eventually(async () => {
        const response = await fetch(`${topology.region(spec.id).url}/health/sync`, {
          headers: { "x-api-key": topology.apiKey },
        });
        const body = syncHealthSchema.parse(await response.json());
        const moved = spec.role === "writer" ? body.events?.published : body.events?.applied;
        return (moved ?? 0) >= 3 ? body : undefined;
      });
      expect(health.team_spaces).toEqual(spec.teamSpaces);
      expect(health.team_namespace_prefix).toBe("team");
      expect(health.transit).toEqual({
        encryption: "sealed",
        key: topology.transitKeys[spec.id]?.publicKey,
      });
    }
  });

  it("GET /status as JSON: three healthy regions with band, spaces, transit and a sync rate", async () => {
    await write(8, "rate");
    const doc = await eventually(async () => {
      const seen = await statusJson();
      const moving = seen.regions.every(
        (r) => r.health === "healthy" && (r.sync_rate.events_per_second ?? 0) > 0,
      );
      return moving ? seen : undefined;
    });
    expect(doc.writer).toBe("region-a");
    expect(doc.regions.map((r) => r.id)).toEqual(["region-a", "region-b", "region-c"]);
    for (const spec of topology.specs) {
      const region = doc.regions.find((r) => r.id === spec.id);
      expect(region).toMatchObject({
        health: "healthy",
        self_reported: true,
        namespace: topology.namespace,
        band: spec.band,
        team_spaces: spec.teamSpaces,
        transit: {
          content: "sealed",
          key: topology.transitKeys[spec.id]?.publicKey,
          table_key: topology.transitKeys[spec.id]?.publicKey,
        },
      });
      expect(region?.sync_rate.samples.length).toBeGreaterThan(0);
    }
    expect(
      doc.regions.find((r) => r.id === "region-a")?.sync_rate.published_per_second,
    ).toBeGreaterThan(0);
    expect(
      doc.regions.find((r) => r.id === "region-b")?.sync_rate.applied_per_second,
    ).toBeGreaterThan(0);
  });

  it("answers JSON only when asked, and always varies by Accept", async () => {
    const json = await router.fetch("/status", { headers: { accept: "application/json" } });
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    expect(json.headers.get("vary")).toMatch(/accept/i);
    await json.arrayBuffer();
    for (const accept of [BROWSER_ACCEPT, "*/*"]) {
      const page = await router.fetch("/status", { headers: { accept } });
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(page.headers.get("vary")).toMatch(/accept/i);
      expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
      await page.arrayBuffer();
    }
  });

  it("records a promotion through the router, and a writer change seen in probes, on the timeline", async () => {
    // Through the router a promotion goes to the writer (region-a): its token moves on.
    const promoted = await router.fetch("/admin/promote", { method: "POST", cf: NEW_YORK });
    expect(promoted.status).toBe(200);
    const viaRouter = ((await promoted.json()) as { writer: { token: number } }).writer.token;
    // Directly at region-b, behind the router's back: the probes reveal it.
    const direct = await fetch(`${topology.region("region-b").url}/admin/promote`, {
      method: "POST",
      headers: { "x-api-key": topology.apiKey },
    });
    expect(direct.status).toBe(200);
    const seized = ((await direct.json()) as { writer: { token: number } }).writer.token;
    expect(seized).toBeGreaterThan(viaRouter);
    const doc = await eventually(async () => {
      const seen = await statusJson();
      return seen.writer === "region-b" &&
        seen.timeline.some((e) => e.kind === "writer-change" && e.to === "region-b")
        ? seen
        : undefined;
    });
    expect(doc.timeline).toContainEqual(
      expect.objectContaining({
        kind: "promotion",
        region: "region-a",
        token: viaRouter,
        via: "router",
      }),
    );
    expect(doc.timeline).toContainEqual(
      expect.objectContaining({
        kind: "writer-change",
        from: "region-a",
        to: "region-b",
        token: seized,
      }),
    );
    expect(doc.timeline).toContainEqual(
      expect.objectContaining({
        kind: "promotion",
        region: "region-b",
        token: seized,
        via: "probe",
      }),
    );
    // Newest first: region-b's promotion came after region-a's.
    const index = (kind: string, region: string) =>
      doc.timeline.findIndex((e) => e.kind === kind && "region" in e && e.region === region);
    expect(index("promotion", "region-b")).toBeLessThan(index("promotion", "region-a"));
    expect(doc.regions.find((r) => r.id === "region-b")?.writer_token).toBe(seized);
  });

  it("shows the three healthy regions on the page (screenshot: artifacts/status.png)", async () => {
    await write(6, "chart");
    const response = await router.fetch("/status", { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    const html = await response.text();
    for (const id of ["region-a", "region-b", "region-c"])
      expect(html).toContain(`<tr class="row s-healthy" data-region="${id}">`);
    expect(html).toContain("3 healthy");
    expect(html).toContain('<svg class="spark"');
    await shoot(html, "status.png", 1280, 800);
  }, 90_000);
});
