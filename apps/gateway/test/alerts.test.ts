import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { METRIC_HELP } from "../src/routes/metrics.js";
import { ensurePromtool } from "./promtool.js";

const dir = fileURLToPath(new URL("../../../infra/prometheus/", import.meta.url));

describe("infra/prometheus alert rules", () => {
  it("are valid and fire on the series they are about (promtool check + test rules)", () => {
    const promtool = ensurePromtool();
    expect(
      execFileSync(promtool, ["check", "rules", "alerts.yml"], { cwd: dir, encoding: "utf8" }),
    ).toContain("SUCCESS");
    expect(
      execFileSync(promtool, ["test", "rules", "alerts.test.yml"], { cwd: dir, encoding: "utf8" }),
    ).toContain("SUCCESS");
  });

  it("only use metrics the gateway exports", () => {
    const rules = readFileSync(`${dir}alerts.yml`, "utf8");
    const exprs = [...rules.matchAll(/expr: (?:\|\n\s+)?(.+)/g)]
      .map((m) => m[1] as string)
      .join("\n");
    const used = new Set(
      [...exprs.matchAll(/\b((?:sync|privacy|namespace|leader|writer)_[a-z_]+)/g)].map((m) =>
        (m[1] as string).replace(/_bucket$/, ""),
      ),
    );
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(Object.keys(METRIC_HELP), name).toContain(name);
  });
});
