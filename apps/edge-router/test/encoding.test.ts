import { request as httpRequest } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { RunningRegion } from "@memoria/gateway/local/region";
import type { Topology } from "@memoria/gateway/local/topology";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRouter, startRouter } from "../local/router.js";
import { startRegions } from "./regions.js";

/**
 * The coding a client gets is the one it asked for, through the router as straight from
 * a region: none without Accept-Encoding (a plain `curl` prints JSON, not brotli), gzip or
 * br when it names them. node:http sends no Accept-Encoding unless told to (fetch would
 * add its own), so the requests are exactly the matrix's.
 */

const MATRIX: Array<{ accept: string | null; coding: string | null }> = [
  { accept: null, coding: null },
  { accept: "identity", coding: null },
  { accept: "gzip", coding: "gzip" },
  { accept: "br", coding: "br" },
  { accept: "gzip, br", coding: "gzip" },
  { accept: "gzip;q=0.5, br", coding: "br" },
];

let topology: Topology;
let a: RunningRegion;
let router: RunningRouter;

beforeAll(async () => {
  topology = await startRegions("enc");
  a = topology.region("region-a");
  router = await startRouter({
    regions: topology.regionTable,
    apiKey: topology.apiKey,
    monitorKey: topology.monitorKey,
  });
  await router.scheduled();
  const written = await router.fetch("/memory", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: "the sky is blue ".repeat(40), y: 5 }),
  });
  expect(written.status).toBe(201);
});
afterAll(async () => {
  await router?.stop();
  await topology?.stop();
});

describe("content coding, client Accept-Encoding → response", () => {
  it.each([
    ["through the router", () => router.url],
    ["straight to a region", () => a.url],
  ])("%s", async (_name, base) => {
    const plain = await get(`${base()}/memory`, "identity");
    const expected: unknown = JSON.parse(plain.body.toString("utf8"));
    expect((expected as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const seen: string[] = [];
    for (const { accept, coding } of MATRIX) {
      const answer = await get(`${base()}/memory`, accept);
      seen.push(`${accept ?? "(none)"} → ${answer.coding ?? "identity"}`);
      expect(answer.status).toBe(200);
      expect(answer.coding ?? null, `Accept-Encoding: ${accept}`).toBe(coding);
      expect(JSON.parse(decode(answer.body, answer.coding).toString("utf8"))).toEqual(expected);
    }
    console.log(`${_name}: ${seen.join("; ")}`);
  });
});

function decode(body: Buffer, coding: string | undefined): Buffer {
  if (coding === "gzip") return gunzipSync(body);
  if (coding === "br") return brotliDecompressSync(body);
  return body;
}

/** A GET with exactly the headers given; the body as the bytes on the wire. */
function get(
  url: string,
  accept: string | null,
): Promise<{ status: number; coding: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "x-api-key": topology.apiKey };
    if (accept !== null) headers["accept-encoding"] = accept;
    const req = httpRequest(url, { headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          coding: res.headers["content-encoding"],
          body: Buffer.concat(chunks),
        }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timed out: ${url}`)));
    req.on("error", reject);
    req.end();
  });
}
