import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePortOnLoopback } from "@memoria/gateway/local/ports";
import { describe, expect, it } from "vitest";
import { DEMO_HELP, parseDemoArgs } from "../local/demo-args.js";

/**
 * `pnpm start` as the README writes it. The commands are read from README.md itself, so
 * the README and this test cannot drift: every documented form must parse, and the demo
 * form, run through pnpm and start.sh as a person would, must start, then stop on Ctrl-C
 * with exit code 0 and nothing on stderr.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const README = readFileSync(`${ROOT}README.md`, "utf8");

/**
 * The arguments each documented `pnpm start` hands the script: lines of fenced blocks that
 * run `(corepack) pnpm start …` (a trailing `# comment` dropped), and inline code spans
 * that are such a command or just its `-- --flag …` tail. pnpm passes everything after
 * `start`, a leading `--` included, on to the script.
 */
function documentedStartArgs(markdown: string): string[][] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)) {
    for (const line of (block[1] as string).split("\n")) {
      const command = line.replace(/\s#.*$/, "").trim();
      if (/^(corepack )?pnpm start\b/.test(command)) commands.push(command);
    }
  }
  for (const span of markdown.replace(/^```[\s\S]*?^```/gm, "").matchAll(/`([^`\n]+)`/g)) {
    const text = (span[1] as string).trim();
    if (/^(corepack )?pnpm start\b/.test(text)) commands.push(text);
    else if (text.startsWith("-- --")) commands.push(`pnpm start ${text}`);
  }
  return commands.map((command) => {
    expect(command, "no quoting in the README's start commands").not.toMatch(/['"\\$]/);
    return command.split(/\s+/).slice(command.startsWith("corepack") ? 3 : 2);
  });
}

describe("the README's pnpm start commands", () => {
  const forms = documentedStartArgs(README);

  it("documents the plain form and the postgres form", () => {
    expect(forms).toContainEqual([]);
    expect(forms.some((args) => args.join(" ").includes("--backend postgres"))).toBe(true);
  });

  it("every documented form parses, the `--` pnpm passes on included", () => {
    for (const args of forms) {
      const parsed = parseDemoArgs(args);
      if (args.includes("--backend")) {
        expect(parsed.backend).toBe(args[args.indexOf("--backend") + 1]);
      }
    }
  });

  it("every flag the help lists is accepted, after a `--` or not", () => {
    const flags = [...DEMO_HELP.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)( [A-Z]+)?/gm)].map(
      (m) => [m[1] as string, m[2] !== undefined] as const,
    );
    expect(flags.map(([flag]) => flag)).toEqual([
      "--backend",
      "--port-a",
      "--port-b",
      "--port-router",
      "--help",
    ]);
    for (const [flag, takesValue] of flags) {
      const value = flag === "--backend" ? "postgres" : "9999";
      const args = takesValue ? [flag, value] : [flag];
      expect(() => parseDemoArgs(args)).not.toThrow();
      expect(() => parseDemoArgs(["--", ...args])).not.toThrow();
    }
    expect(parseDemoArgs(["--", "--port-router", "9700", "--port-a", "9701"]).ports).toEqual({
      a: 9701,
      b: 8702,
      router: 9700,
    });
  });

  it("a wrong flag or value is refused, naming it", () => {
    expect(() => parseDemoArgs(["--backend", "kafka"])).toThrow(/--backend must be one of/);
    expect(() => parseDemoArgs(["--port-a", "70000"])).toThrow(/--port-a must be a port/);
    expect(() => parseDemoArgs(["--", "--porta", "1"])).toThrow(/--porta/);
  });
});

describe("pnpm start, then Ctrl-C", () => {
  it("runs the README's postgres form and stops cleanly: exit 0, no stderr", async () => {
    const form = documentedStartArgs(README).find((args) => args.includes("postgres"));
    const ports = {
      "--port-router": await freePortOnLoopback(),
      "--port-a": await freePortOnLoopback(),
      "--port-b": await freePortOnLoopback(),
    };
    const args = [...(form ?? []), ...Object.entries(ports).flat().map(String)];
    // Its own process group, as a terminal's foreground job is: Ctrl-C signals all of it.
    const child = spawn("corepack", ["pnpm", "start", ...args], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const ready = await Promise.race([
        waitFor(() => stdout.includes("running until Ctrl-C") && stdout.includes("curl"), 100_000),
        exited.then(() => false),
      ]);
      expect(ready, `did not start:\n${stdout}\n${stderr}`).toBe(true);
      expect(stdout).toContain(`http://127.0.0.1:${ports["--port-router"]}`);
      expect(stdout).toContain("two regions on postgres");
      process.kill(-(child.pid as number), "SIGINT");
      expect(await exited).toBe(0);
      expect(stderr).toBe("");
      expect(stdout).not.toMatch(/ERR_|ELIFECYCLE|failed/i);
    } finally {
      if (child.exitCode === null) process.kill(-(child.pid as number), "SIGKILL");
    }
  }, 150_000);
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}
