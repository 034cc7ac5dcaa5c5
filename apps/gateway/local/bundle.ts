import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const GATEWAY_ENTRY = fileURLToPath(new URL("../src/worker.ts", import.meta.url));
export const GATEWAY_BUNDLE = fileURLToPath(new URL("../dist/worker.js", import.meta.url));

/**
 * Bundles a worker the way wrangler does (ES module, workerd/worker/browser export
 * conditions, `cloudflare:*` left to the runtime), for Miniflare in tests and `pnpm start`.
 */
export async function bundleWorker(entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["cloudflare:*"],
    sourcemap: "inline",
    logLevel: "warning",
  });
  return outfile;
}

export function bundleGateway(outfile = GATEWAY_BUNDLE): Promise<string> {
  return bundleWorker(GATEWAY_ENTRY, outfile);
}
