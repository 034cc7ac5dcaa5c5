/**
 * Headless Chromium for screenshot tests, driven directly (no Playwright): Debian's
 * `chromium` package, installed on demand when the tests run as root.
 */

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** `CHROMIUM_PATH` if set, else the first Debian/Ubuntu location that exists. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== "") return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * The Chromium binary; installs Debian's `chromium` with apt-get when it is missing and the
 * process runs as root, and otherwise throws an error that names what to install.
 */
export function ensureChromium(): string {
  const found = findChromium();
  if (found !== undefined) return found;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync("/usr/bin/apt-get")) {
    runApt(["update"]);
    runApt(["install", "-y", "chromium"]);
    const installed = findChromium();
    if (installed !== undefined) return installed;
  }
  throw new Error(
    "Chromium not found (looked for $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser). " +
      "Install it with `sudo apt-get update && sudo apt-get install -y chromium`, " +
      "or set CHROMIUM_PATH to a Chromium/Chrome binary.",
  );
}

function runApt(args: string[]): void {
  const result = spawnSync("apt-get", args, {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    encoding: "utf8",
    timeout: 15 * 60_000,
  });
  if (result.status !== 0) {
    const tail = `${result.stderr ?? ""}${result.error?.message ?? ""}`.slice(-2000);
    throw new Error(`apt-get ${args.join(" ")} failed (status ${result.status}): ${tail}`);
  }
}

export interface ScreenshotOptions {
  /** The HTML file to load (as `file://`). */
  htmlPath: string;
  /** Where the PNG goes. */
  outPath: string;
  /** @default 1280 */
  width?: number;
  /** @default 800 */
  height?: number;
  /** Chromium is killed after this long. @default 60_000 */
  timeoutMs?: number;
  /** @default ensureChromium() */
  chromium?: string;
}

/**
 * One headless Chromium run that loads `htmlPath` and writes a screenshot, with a fresh
 * profile and every background network feature off (the machine may have no outside network).
 */
export async function screenshot(options: ScreenshotOptions): Promise<void> {
  const binary = options.chromium ?? ensureChromium();
  const width = options.width ?? 1280;
  const height = options.height ?? 800;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const userDataDir = mkdtempSync(join(tmpdir(), "memoria-chromium-"));
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    `--user-data-dir=${userDataDir}`,
    `--window-size=${width},${height}`,
    `--screenshot=${options.outPath}`,
    pathToFileURL(options.htmlPath).href,
  ];
  // Its own process group, so a timeout ends Chromium's helper processes as well.
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const killGroup = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (exitCode) => resolve(exitCode));
    });
    if (timedOut) throw new Error(`Chromium did not finish within ${timeoutMs} ms:\n${output}`);
    if (code !== 0) throw new Error(`Chromium exited with ${code}:\n${output}`);
  } finally {
    clearTimeout(timer);
    killGroup();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}
