import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePortOnLoopback } from "@memoria/gateway/local/ports";
import { describe, expect, it } from "vitest";
import { DEMO_HELP, parseDemoArgs } from "../local/demo-args.js";
import { screenshot } from "./chromium.js";

/**
 * `pnpm start` as the README writes it. The commands are read from README.md itself, so
 * the README and this test cannot drift: every documented form must parse. And the demo,
 * `pnpm start --regions 3` run through pnpm and start.sh as a person would, must show three
 * healthy regions on the router's status page (screenshot: artifacts/pnpm-start-3-regions.png),
 * then stop on Ctrl-C with exit code 0 and nothing on stderr.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const README = readFileSync(`${ROOT}README.md`, "utf8");
const ARTIFACTS = fileURLToPath(new URL("./artifacts/", import.meta.url));

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
      "--regions",
      "--port-router",
      "--port-a",
      "--port-b",
      "--help",
    ]);
    const sample: Record<string, string> = { "--backend": "postgres", "--regions": "4" };
    for (const [flag, takesValue] of flags) {
      const args = takesValue ? [flag, sample[flag] ?? "9999"] : [flag];
      expect(() => parseDemoArgs(args)).not.toThrow();
      expect(() => parseDemoArgs(["--", ...args])).not.toThrow();
    }
  });

  it("a wrong flag or value is refused, naming it", () => {
    expect(() => parseDemoArgs(["--backend", "kafka"])).toThrow(/--backend must be one of/);
    expect(() => parseDemoArgs(["--port-a", "70000"])).toThrow(/--port-a must be a port/);
    expect(() => parseDemoArgs(["--", "--porta", "1"])).toThrow(/--porta/);
  });
});

describe("--regions N", () => {
  it("defaults to three regions, region i on --port-router + i", () => {
    expect(parseDemoArgs([])).toMatchObject({
      regions: 3,
      ports: { router: 8700, regions: [8701, 8702, 8703] },
    });
    expect(parseDemoArgs(["--", "--regions", "6", "--port-router", "9700"]).ports).toEqual({
      router: 9700,
      regions: [9701, 9702, 9703, 9704, 9705, 9706],
    });
  });

  it("takes 2 to 6 whole regions, and refuses anything else naming --regions", () => {
    for (const n of [2, 3, 4, 5, 6]) {
      const parsed = parseDemoArgs(["--regions", String(n)]);
      expect(parsed.regions).toBe(n);
      expect(parsed.ports.regions).toHaveLength(n);
    }
    for (const bad of ["1", "7", "0", "-3", "2.5", "three", ""])
      expect(() => parseDemoArgs([`--regions=${bad}`])).toThrow(
        /--regions must be a whole number from 2 to 6/,
      );
  });

  it("--port-a/--port-b keep working: they mean two regions", () => {
    expect(parseDemoArgs(["--port-a", "9001", "--port-b", "9002"])).toMatchObject({
      regions: 2,
      ports: { router: 8700, regions: [9001, 9002] },
    });
    // One of them alone: the other region on its --port-router + i port.
    expect(parseDemoArgs(["--", "--port-router", "9700", "--port-a", "9701"]).ports).toEqual({
      router: 9700,
      regions: [9701, 9702],
    });
    expect(parseDemoArgs(["--regions", "2", "--port-b", "9002"]).ports.regions).toEqual([
      8701, 9002,
    ]);
  });

  it("refuses --port-a/--port-b beside --regions other than 2, naming the flags", () => {
    expect(() => parseDemoArgs(["--regions", "3", "--port-a", "9001"])).toThrow(
      /--port-a set two regions' ports, but --regions is 3/,
    );
    expect(() => parseDemoArgs(["--port-a", "9001", "--port-b", "9002", "--regions", "4"])).toThrow(
      /--port-a and --port-b .* --regions is 4/,
    );
  });

  it("refuses ports that collide or run past 65535", () => {
    expect(() => parseDemoArgs(["--port-a", "8700"])).toThrow(/port 8700 is given twice/);
    expect(() =>
      parseDemoArgs(["--port-router", "9701", "--port-a", "9702", "--port-b", "9702"]),
    ).toThrow(/port 9702 is given twice/);
    expect(() => parseDemoArgs(["--port-router", "65533", "--regions", "3"])).toThrow(
      /--port-router 65533 leaves no port for region 3/,
    );
  });
});

describe("pnpm start --regions 3, then Ctrl-C", () => {
  it("runs three healthy regions behind the router, shown on its status page, and stops cleanly", async () => {
    const base = await freeRun(4);
    const args = ["--", "--regions", "3", "--port-router", String(base)];
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
    const router = `http://127.0.0.1:${base}`;
    try {
      const ready = await Promise.race([
        waitFor(() => stdout.includes("running until Ctrl-C") && stdout.includes("curl"), 100_000),
        exited.then(() => false),
      ]);
      expect(ready, `did not start:\n${stdout}\n${stderr}`).toBe(true);
      expect(stdout).toContain(router);
      for (const i of [1, 2, 3]) expect(stdout).toContain(`http://127.0.0.1:${base + i}`);

      // The router's status, as a script reads it: three regions, all healthy.
      const status = await eventually(async () => {
        const response = await fetch(`${router}/status`, {
          headers: { accept: "application/json" },
        });
        const body = (await response.json()) as { regions: Array<{ id: string; health: string }> };
        return body.regions.length === 3 && body.regions.every((r) => r.health === "healthy")
          ? body
          : undefined;
      }, 30_000);
      expect(status.regions.map((r) => r.id)).toEqual(["region-a", "region-b", "region-c"]);

      // And as a person sees it: the page a plain curl or a browser gets, in headless Chromium.
      const page = await fetch(`${router}/status`);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await page.text();
      for (const id of ["region-a", "region-b", "region-c"]) expect(html).toContain(id);
      await mkdir(ARTIFACTS, { recursive: true });
      const htmlPath = join(ARTIFACTS, "pnpm-start-3-regions.html");
      await writeFile(htmlPath, html);
      const png = join(ARTIFACTS, "pnpm-start-3-regions.png");
      await screenshot({ htmlPath, outPath: png });
      expect((await readFile(png)).subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));

      process.kill(-(child.pid as number), "SIGINT");
      expect(await exited).toBe(0);
      expect(stderr).toBe("");
      expect(stdout).not.toMatch(/ERR_|ELIFECYCLE|failed/i);
    } finally {
      if (child.exitCode === null) process.kill(-(child.pid as number), "SIGKILL");
    }
  }, 180_000);
});

/** A port with the next `count - 1` free too: the demo puts region i on the router's port + i. */
async function freeRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freePortOnLoopback();
    let free = true;
    for (let i = 1; i < count && free; i++)
      free = (await freePortOnLoopback(base + i)) === base + i;
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports on 127.0.0.1`);
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}
