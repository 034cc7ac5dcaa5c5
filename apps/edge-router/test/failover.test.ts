import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunningRegion } from "@memoria/gateway/local/region";
import type { Topology } from "@memoria/gateway/local/topology";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRouter, startRouter } from "../local/router.js";
import { screenshot } from "./chromium.js";
import { startRegions, startTestRouter } from "./regions.js";

const NEW_YORK = { latitude: "40.71", longitude: "-74.01", continent: "NA" };
const PARIS = { latitude: "48.86", longitude: "2.35", continent: "EU" };

let topology: Topology;
let a: RunningRegion;
let b: RunningRegion;
let router: RunningRouter;

beforeAll(async () => {
  topology = await startRegions("rt");
  a = topology.region("region-a");
  b = topology.region("region-b");
  router = await startTestRouter(topology);
});
afterAll(async () => {
  await router?.stop();
  await topology?.stop();
});

async function write(
  body: Record<string, unknown>,
  init: { cf?: Record<string, unknown>; headers?: Record<string, string> } = {},
) {
  return router.fetch("/memory", {
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body: JSON.stringify(body),
    cf: init.cf ?? NEW_YORK,
  });
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

describe("choosing a region", () => {
  it("sends each client to the nearest region, by coordinates, then continent, then configured order", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [NEW_YORK, "region-a"],
      [PARIS, "region-b"],
      [{ latitude: "35.68", longitude: "139.69" }, "region-b"], // Tokyo: Dublin is nearer than Virginia
      [{ latitude: "-23.55", longitude: "-46.63" }, "region-a"], // São Paulo
      // Without coordinates (empty, as Cloudflare sends for unknown places): the continent, then the configured order.
      [{ latitude: "", longitude: "", continent: "EU" }, "region-b"],
      [{ latitude: "", longitude: "", continent: "NA" }, "region-a"],
      [{ latitude: "", longitude: "", continent: "AF" }, "region-a"],
    ];
    for (const [cf, expected] of cases) {
      const response = await router.fetch("/memory?limit=1", { cf });
      expect(response.status, JSON.stringify(cf)).toBe(200);
      expect(response.headers.get("x-memoria-region"), JSON.stringify(cf)).toBe(expected);
      expect(response.headers.get("x-memoria-failover")).toBeNull();
    }
  });

  it("forwards writes to the writer region, even from a client nearer another", async () => {
    const response = await write({ text: "written from Paris", y: 5 }, { cf: PARIS });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-memoria-region")).toBe("region-a");
  });

  it("in active/active mode sends writes to the nearest region instead", async () => {
    const activeActive = await startRouter({
      regions: topology.regionTable,
      apiKey: topology.apiKey,
      monitorKey: topology.monitorKey,
      vars: { MEMORIA_ROUTER__MODE: "active-active" },
    });
    try {
      const init = {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "written nearby", y: 5 }),
      };
      const fromParis = await activeActive.fetch("/memory", { ...init, cf: PARIS });
      expect(fromParis.status).toBe(201);
      expect(fromParis.headers.get("x-memoria-region")).toBe("region-b");
      const fromNewYork = await activeActive.fetch("/memory", { ...init, cf: NEW_YORK });
      expect(fromNewYork.headers.get("x-memoria-region")).toBe("region-a");
    } finally {
      await activeActive.stop();
    }
  });

  it("never serves a read older than the client's own write (read-your-writes)", async () => {
    for (let i = 0; i < 15; i++) {
      const created = await write({ text: `ryw ${i}`, y: 5 }, { cf: PARIS });
      const token = created.headers.get("memoria-sync-token") as string;
      const { memory } = (await created.json()) as { memory: { id: string } };
      const read = await router.fetch(`/memory/${memory.id}`, {
        headers: { "memoria-sync-token": token },
        cf: PARIS,
      });
      expect(read.status).toBe(200);
      expect(((await read.json()) as { memory: { text: string } }).memory.text).toBe(`ryw ${i}`);
    }
    // Once region-b reports it has applied the token, Paris is served from there again.
    const created = await write({ text: "ryw settled", y: 5 }, { cf: PARIS });
    const token = created.headers.get("memoria-sync-token") as string;
    const { memory } = (await created.json()) as { memory: { id: string } };
    await eventually(async () => {
      await router.scheduled();
      const read = await router.fetch(`/memory/${memory.id}`, {
        headers: { "memoria-sync-token": token },
        cf: PARIS,
      });
      return read.headers.get("x-memoria-region") === "region-b" && read.status === 200
        ? true
        : undefined;
    });
    const bad = await router.fetch(`/memory/${memory.id}`, {
      headers: { "memoria-sync-token": "yesterday" },
      cf: PARIS,
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("request limits", () => {
  it("answers bad routes and oversized bodies with problem+json", async () => {
    const missing = await router.fetch("/no-such-route");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    const huge = await router.fetch("/memory", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "x".repeat(400_000), y: 1 }),
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get("content-type")).toBe("application/problem+json");
  });

  it("never proxies to a host outside the region table", async () => {
    const response = await fetch(`${router.url}//evil.example/memory`);
    expect([400, 404]).toContain(response.status);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("failover", () => {
  it("keeps every GET succeeding while region A dies, and uses A again once it is back", async () => {
    const created = await write({ text: "survives a region", y: 5 });
    const { memory } = (await created.json()) as { memory: { id: string } };
    await eventually(async () =>
      (
        await fetch(`${b.url}/memory/${memory.id}`, {
          headers: { "x-api-key": topology.apiKey },
        })
      ).status === 200
        ? true
        : undefined,
    );
    const statuses: number[] = [];
    const servedBy: string[] = [];
    let failoverHeaders = 0;
    let diedAt = 0;
    let firstElsewhereMs: number | undefined;
    for (let i = 0; i < 200; i++) {
      if (i === 50) {
        await a.stop();
        diedAt = performance.now();
      }
      const response = await router.fetch(`/memory/${memory.id}`, { cf: NEW_YORK });
      statuses.push(response.status);
      const region = response.headers.get("x-memoria-region") as string;
      servedBy.push(region);
      if (response.headers.get("x-memoria-failover") === "region-a") failoverHeaders += 1;
      if (i >= 50 && firstElsewhereMs === undefined && region === "region-b")
        firstElsewhereMs = performance.now() - diedAt;
      await response.arrayBuffer();
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(servedBy.slice(0, 50).every((r) => r === "region-a")).toBe(true);
    expect(servedBy.slice(50).every((r) => r === "region-b")).toBe(true);
    expect(failoverHeaders).toBe(150);
    console.log(
      `[router] region-a died: first request served by region-b ${firstElsewhereMs?.toFixed(1)} ms later; 200/200 GETs succeeded`,
    );

    // A write without an Idempotency-Key is not retried blindly while the writer is down.
    const blind = await write({ text: "no key", y: 5 });
    expect(blind.status).toBe(503);
    expect(blind.headers.get("retry-after")).toBeTruthy();

    // With a key it is retried on region-b, and names the same record a later retry will.
    const keyed = await write(
      { text: "exactly once", y: 5 },
      { headers: { "idempotency-key": "order-778" } },
    );
    expect(keyed.status).toBe(201);
    expect(keyed.headers.get("x-memoria-region")).toBe("region-b");
    const keyedId = ((await keyed.json()) as { memory: { id: string } }).memory.id;

    a = await topology.restart("region-a");
    await eventually(async () => {
      await router.scheduled();
      const response = await router.fetch(`/memory/${memory.id}`, { cf: NEW_YORK });
      return response.headers.get("x-memoria-region") === "region-a" ? true : undefined;
    });

    // The client retries the same write; wherever it lands, there is one memory.
    const retried = await write(
      { text: "exactly once", y: 5 },
      { headers: { "idempotency-key": "order-778" } },
    );
    expect([200, 201]).toContain(retried.status);
    expect(((await retried.json()) as { memory: { id: string } }).memory.id).toBe(keyedId);
    for (const region of [a, b]) {
      const copies = await eventually(async () => {
        const list = (await (
          await fetch(`${region.url}/memory?limit=200`, {
            headers: { "x-api-key": topology.apiKey },
          })
        ).json()) as {
          items: Array<{ id: string; text: string }>;
        };
        const found = list.items.filter((m) => m.text === "exactly once");
        return found.length > 0 ? found : undefined;
      });
      expect(copies.map((m) => m.id)).toEqual([keyedId]);
    }
  });

  it("shows regions, health and failovers on /status", async () => {
    const response = await router.fetch("/status");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain("region-a");
    expect(html).toContain("region-b");
    expect(html).toContain("<svg");
    // The failover this file caused is on the timeline.
    expect(html).toMatch(/region-a[\s\S]*region-b/);
    // And a person can look at it: the live page, after the failover, in headless Chromium.
    const dir = fileURLToPath(new URL("./artifacts/", import.meta.url));
    await mkdir(dir, { recursive: true });
    const htmlPath = join(dir, "status-live.html");
    await writeFile(htmlPath, html);
    const png = join(dir, "status-live.png");
    await screenshot({ htmlPath, outPath: png });
    const bytes = await readFile(png);
    expect(bytes.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(bytes.byteLength).toBeGreaterThan(20_000);
  });
});
