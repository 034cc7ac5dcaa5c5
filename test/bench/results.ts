import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** Where every benchmark writes its results. */
export const RESULTS_DIR = fileURLToPath(new URL("./results/", import.meta.url));

/** Writes `test/bench/results/<kind>-<time>.json` with `at` first; returns its path. */
export async function writeResults(kind: string, body: Record<string, unknown>): Promise<string> {
  const at = new Date().toISOString();
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = `${RESULTS_DIR}${kind}-${at.replace(/[:.]/g, "-")}.json`;
  await writeFile(file, `${JSON.stringify({ at, ...body }, null, 2)}\n`);
  return file;
}
