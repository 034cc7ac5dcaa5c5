import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { RouterSnapshot } from "../src/snapshot.js";
import { renderStatusPage } from "../src/status/page.js";
import { ensureChromium, screenshot } from "./chromium.js";

const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Three regions in active/passive: a healthy writer, a lagging reader, a reader cut off. */
const SAMPLE: RouterSnapshot = {
  generatedAt: "2026-05-04T14:32:10.000Z",
  mode: "active-passive",
  writer: "eu-central",
  regions: [
    {
      id: "eu-central",
      url: "https://eu-central.memoria.example",
      lat: 50.11,
      lon: 8.68,
      continent: "EU",
      role: "writer",
      enabled: true,
      healthy: true,
      circuit: "closed",
      openedAt: null,
      lastProbeAt: "2026-05-04T14:32:07.412Z",
      lastError: null,
      lagEvents: 0,
      lagSeconds: 0,
      leader: { holder: "eu-central", token: 42 },
      applied: { "eu-central": "001777905127412:00003:eu-central" },
    },
    {
      id: "us-east",
      url: "https://us-east.memoria.example",
      lat: 39.04,
      lon: -77.49,
      continent: "NA",
      role: "reader",
      enabled: true,
      healthy: true,
      circuit: "closed",
      openedAt: null,
      lastProbeAt: "2026-05-04T14:32:08.903Z",
      lastError: null,
      lagEvents: 1284,
      lagSeconds: 3.4,
      leader: { holder: "eu-central", token: 42 },
      applied: { "eu-central": "001777905124001:00000:eu-central" },
    },
    {
      id: "ap-southeast",
      url: "https://ap-southeast.memoria.example",
      lat: 1.35,
      lon: 103.82,
      continent: "AS",
      role: "reader",
      enabled: true,
      healthy: false,
      circuit: "open",
      openedAt: "2026-05-04T14:30:52.118Z",
      lastProbeAt: "2026-05-04T14:32:02.530Z",
      lastError: "GET /healthz: timed out after 2000 ms",
      lagEvents: null,
      lagSeconds: null,
      leader: null,
      applied: {},
    },
  ],
  failovers: [
    {
      at: "2026-05-04T14:31:58.204Z",
      from: "ap-southeast",
      to: "us-east",
      method: "GET",
      path: "/v1/memories?namespace=team-alpha",
      reason: "circuit open",
    },
    {
      at: "2026-05-04T14:31:12.771Z",
      from: "ap-southeast",
      to: "eu-central",
      method: "GET",
      path: "/v1/memories/01J9Z4K2M8",
      reason: "upstream 503 Service Unavailable",
    },
    {
      at: "2026-05-04T14:30:51.960Z",
      from: "ap-southeast",
      to: "eu-central",
      method: "GET",
      path: "/v1/search?q=deploy+notes",
      reason: "timed out after 2000 ms",
    },
    {
      at: "2026-05-04T13:05:37.004Z",
      from: "us-east",
      to: "eu-central",
      method: "HEAD",
      path: "/v1/memories/01J9YQ7T1C",
      reason: "connection reset",
    },
  ],
};

describe("the status page in headless Chromium", () => {
  let chromium: string;

  beforeAll(() => {
    chromium = ensureChromium();
  }, 20 * 60_000);

  it("renders a 1280×800 screenshot with content", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), "memoria-status-"));
    const htmlPath = join(dir, "status.html");
    const outPath = join(ARTIFACTS, "status.png");
    rmSync(outPath, { force: true });
    try {
      writeFileSync(htmlPath, renderStatusPage(SAMPLE));
      await screenshot({
        chromium,
        htmlPath,
        outPath,
        width: 1280,
        height: 800,
        timeoutMs: 60_000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(outPath)).toBe(true);
    const png = readFileSync(outPath);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    // A blank 1280×800 page compresses to a few KB; the map and tables make it far larger.
    expect(png.length).toBeGreaterThan(20_000);
    // IHDR: width and height as big-endian 32-bit integers at offsets 16 and 20.
    expect(png.readUInt32BE(16)).toBe(1280);
    expect(png.readUInt32BE(20)).toBe(800);
  }, 90_000);
});
