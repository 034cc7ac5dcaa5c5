import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * `promtool` from Debian's `prometheus` package: on PATH if installed, else downloaded as
 * a .deb and unpacked into a cache dir (nothing is installed, no service starts).
 */
export function ensurePromtool(): string {
  const onPath = ["/usr/bin/promtool", "/usr/local/bin/promtool"].find((path) => existsSync(path));
  if (onPath) return onPath;
  const dir = join(tmpdir(), "memoria-promtool");
  const binary = join(dir, "x", "usr", "bin", "promtool");
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const download = () =>
    execFileSync("apt-get", ["download", "prometheus"], {
      cwd: dir,
      stdio: "pipe",
      timeout: 180_000,
    });
  try {
    download();
  } catch {
    if (process.getuid?.() !== 0) {
      throw new Error(
        "promtool is missing: install Debian's `prometheus` package (it ships promtool), or run the tests as root",
      );
    }
    execFileSync("apt-get", ["update", "-qq"], { stdio: "pipe", timeout: 300_000 });
    download();
  }
  const deb = readdirSync(dir).find(
    (name) => name.startsWith("prometheus_") && name.endsWith(".deb"),
  );
  if (!deb) throw new Error("apt-get download prometheus produced no .deb");
  execFileSync("dpkg-deb", ["-x", join(dir, deb), join(dir, "x")], { stdio: "pipe" });
  return binary;
}
