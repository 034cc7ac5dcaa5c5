/**
 * A benchmark's own worker in workerd: bundled as the gateway is (`bundleWorker`), started
 * with Miniflare and reached through `dispatchFetch`, so its loop runs in the runtime the
 * gateways run in, with the same compatibility date.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleWorker } from "@memoria/gateway/local/bundle";
import { Miniflare } from "miniflare";

export interface BenchWorker {
  /** A JSON request to the worker; throws on a non-2xx answer (with its body). */
  call<T>(path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Bundles `entry` (a path relative to this folder) to `dist/` and starts it. */
export async function startBenchWorker(entry: string): Promise<BenchWorker> {
  const source = fileURLToPath(new URL(entry, import.meta.url));
  const outfile = fileURLToPath(
    new URL(`./dist/${entry.replace(/\.ts$/, ".js")}`, import.meta.url),
  );
  await bundleWorker(source, outfile);
  const mf = new Miniflare({
    name: "bench-worker",
    modules: true,
    scriptPath: outfile,
    modulesRoot: dirname(outfile),
    compatibilityDate: "2026-04-26",
  });
  await mf.ready;
  return {
    async call<T>(path: string, body?: unknown): Promise<T> {
      const response = await mf.dispatchFetch(`http://bench${path}`, {
        method: body === undefined ? "GET" : "POST",
        ...(body === undefined
          ? {}
          : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`bench worker ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
    stop: () => mf.dispose(),
  };
}
