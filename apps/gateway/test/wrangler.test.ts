import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  CRON_INTERVAL_MS,
  generateTransitKey,
  loadConfig,
  transitWarnings,
} from "@memoria/sync-core";
import { describe, expect, it } from "vitest";
import { CRONS } from "../src/scheduled.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const REGIONS = ["region-a", "region-b", "region-c"] as const;

interface WranglerEnv {
  name?: string;
  triggers?: { crons?: string[] };
  durable_objects?: { bindings?: Array<{ name: string; class_name: string }> };
  vars?: Record<string, string>;
  secrets?: { required?: string[] };
}
interface WranglerConfig extends WranglerEnv {
  env: Record<string, WranglerEnv>;
}

async function wranglerConfig(): Promise<WranglerConfig> {
  const text = await readFile(join(root, "wrangler.jsonc"), "utf8");
  // Comments in this file stand on lines of their own.
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, "")) as WranglerConfig;
}

describe("wrangler.jsonc", () => {
  it("declares exactly the crons the code handles, at the top and in every region", async () => {
    const config = await wranglerConfig();
    const expected = Object.values(CRONS).sort();
    expect([...(config.triggers?.crons ?? [])].sort()).toEqual(expected);
    for (const region of REGIONS)
      expect([...(config.env[region]?.triggers?.crons ?? [])].sort()).toEqual(expected);
  });

  it("fires at the period `scheduler.interval_ms` assumes by default (the lease TTL rule leans on it)", () => {
    // "* * * * *" is once a minute: the only cron the gateway has.
    expect(CRONS.minute).toBe("* * * * *");
    expect(CRON_INTERVAL_MS).toBe(60_000);
  });

  it("gives every region the same bindings, secrets and var names, and its own region id", async () => {
    const config = await wranglerConfig();
    const [first, ...rest] = REGIONS.map((region) => config.env[region] as WranglerEnv);
    for (const env of rest) {
      expect(env.durable_objects).toEqual(first?.durable_objects);
      expect(env.secrets).toEqual(first?.secrets);
      expect(Object.keys(env.vars ?? {}).sort()).toEqual(Object.keys(first?.vars ?? {}).sort());
    }
    expect(first?.durable_objects).toEqual(config.durable_objects);
    for (const region of REGIONS) expect(config.env[region]?.vars?.MEMORIA_REGION__ID).toBe(region);
    expect(config.secrets?.required).toEqual(
      expect.arrayContaining([
        "STORE_DATABASE_URL",
        "MEMORIA_SYNC__SIGNING_KEYS",
        "MEMORIA_API_KEY",
      ]),
    );
  });

  it("gives every region a configuration that loads, one region table (the router's too), and its own row", async () => {
    const config = await wranglerConfig();
    const router = JSON.parse(
      (await readFile(join(root, "../edge-router/wrangler.jsonc"), "utf8")).replace(
        /^\s*\/\/.*$/gm,
        "",
      ),
    ) as { vars: Record<string, string> };
    expect(Object.keys(config.env).sort()).toEqual([...REGIONS]);
    const transit = await generateTransitKey("t1");
    for (const region of REGIONS) {
      const vars = config.env[region]?.vars ?? {};
      expect(vars.MEMORIA_REGIONS).toBe(router.vars.MEMORIA_REGIONS);
      // Secrets come from `wrangler secret put`: stand-ins of the right form here.
      const loaded = loadConfig({
        env: {
          ...vars,
          MEMORIA_SYNC__CONNECTION_URL: "https://redis.example",
          MEMORIA_SYNC__SIGNING_KEYS: JSON.stringify({ k1: "x".repeat(32) }),
          MEMORIA_SYNC__TRANSIT_KEYS: JSON.stringify({ t1: transit.privateKey }),
        },
        strict: true,
      }).config;
      expect(loaded.regions.map((row) => row.id)).toEqual([...REGIONS]);
      // Until the operator adds each region's public transit key, only that is missing.
      expect(transitWarnings(loaded).filter((w) => !/transit_key|transit_keys/.test(w))).toEqual(
        [],
      );
    }
  });

  for (const region of REGIONS) {
    it(`wrangler deploy --dry-run --env ${region} succeeds offline`, async () => {
      const out = await mkdtemp(join(tmpdir(), "gateway-dry-run-"));
      try {
        const { stdout } = await promisify(execFile)(
          join(root, "node_modules/.bin/wrangler"),
          ["deploy", "--dry-run", "--env", region, "--outdir", out],
          {
            cwd: root,
            env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
            timeout: 120_000,
          },
        );
        expect(stdout).toContain("--dry-run: exiting now.");
        expect(stdout).toContain("env.SYNC_PULLER (SyncPuller)");
        expect(stdout).toContain(`env.MEMORIA_REGION__ID ("${region}")`);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    });
  }
});
