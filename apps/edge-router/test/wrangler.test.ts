import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadConfig } from "@memoria/sync-core";
import { describe, expect, it } from "vitest";
import { CRONS } from "../src/crons.js";

const root = fileURLToPath(new URL("..", import.meta.url));

async function wranglerConfig(): Promise<{
  triggers: { crons: string[] };
  vars: Record<string, string>;
}> {
  const text = await readFile(join(root, "wrangler.jsonc"), "utf8");
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, ""));
}

describe("router wrangler.jsonc", () => {
  it("declares the crons the code handles, and vars the config schema accepts", async () => {
    const config = await wranglerConfig();
    expect([...config.triggers.crons].sort()).toEqual(Object.values(CRONS).sort());
    const loaded = loadConfig({ env: config.vars, strict: true }).config;
    expect(loaded.regions.map((r) => r.id)).toEqual(["region-a", "region-b", "region-c"]);
    expect(loaded.router.mode).toBe("active-passive");
  });

  it("wrangler deploy --dry-run succeeds offline", async () => {
    const out = await mkdtemp(join(tmpdir(), "router-dry-run-"));
    try {
      const { stdout } = await promisify(execFile)(
        join(root, "node_modules/.bin/wrangler"),
        ["deploy", "--dry-run", "--outdir", out],
        {
          cwd: root,
          env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
          timeout: 120_000,
        },
      );
      expect(stdout).toContain("--dry-run: exiting now.");
      expect(stdout).toContain("env.HEALTH (RegionHealth)");
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
