import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { processExists } from "./launcher/process";
import type { LocalServicesSummary } from "./launcher/summary";
import { canConnect, LOOPBACK } from "./net";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Runs `pnpm services --json` (the CLI under tsx) until it prints its summary. */
async function startCli(args: string[] = []) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "--json", ...args], {
    cwd: packageDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const summary = await new Promise<LocalServicesSummary>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no summary within 30 s; stderr:\n${stderr}`)),
      30_000,
    );
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n").find((l) => l.startsWith("{"));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as LocalServicesSummary);
      }
    });
    child.once("exit", (code) =>
      reject(new Error(`CLI exited (${code}) early; stderr:\n${stderr}`)),
    );
  });
  return { child, summary };
}

function portsOf(summary: LocalServicesSummary): number[] {
  return [
    summary.redis?.url,
    summary.postgres?.url,
    summary.upstash?.url,
    summary.neon?.fetchEndpoint,
  ]
    .filter((url): url is string => url !== undefined)
    .map((url) => Number(new URL(url.replace(/^\w+:/, "http:")).port));
}

describe("pnpm services (the CLI)", () => {
  it.each([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)(
    "stops everything it started on %s",
    async (signal, exitCode) => {
      const { child, summary } = await startCli();
      const ports = portsOf(summary);
      expect(summary.pids).toHaveLength(2);
      expect(ports).toHaveLength(4);
      for (const port of ports) expect(await canConnect(LOOPBACK, port)).toBe(true);
      const exited = once(child, "exit");
      child.kill(signal);
      const [code] = await exited;
      expect(code).toBe(exitCode);
      expect(summary.pids.filter(processExists)).toEqual([]);
      for (const port of ports) expect(await canConnect(LOOPBACK, port, 200)).toBe(false);
    },
    60_000,
  );

  it("a program that exits without stopping still takes its servers along", async () => {
    const script = `
      import { startLocalServices } from "./src/index.ts";
      const services = await startLocalServices({ handleSignals: false });
      console.log(JSON.stringify(services.pids()));
      process.exit(0);`;
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        cwd: packageDir,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    const pids = JSON.parse(out) as number[];
    expect(pids).toHaveLength(2);
    expect(pids.filter(processExists)).toEqual([]);
  }, 60_000);

  it("prints help", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "--help"], {
      cwd: packageDir,
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(out).toMatch(/Usage: pnpm services/);
  }, 30_000);
});
