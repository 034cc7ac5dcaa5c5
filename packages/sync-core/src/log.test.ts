import { describe, expect, it } from "vitest";
import { createLogger, type LogLevel } from "./log.js";

function capture(level: LogLevel) {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    level,
    region: "region-a",
    sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    now: () => new Date("2026-12-03T00:00:00.000Z"),
  });
  return { log, lines };
}

describe("createLogger", () => {
  it("writes one JSON line with time, level, region, event and the fields", () => {
    const { log, lines } = capture("DEBUG");
    log.info("sync.publish", { event_id: "e1", count: 2 });
    expect(lines).toEqual([
      {
        time: "2026-12-03T00:00:00.000Z",
        level: "INFO",
        region: "region-a",
        event: "sync.publish",
        event_id: "e1",
        count: 2,
      },
    ]);
  });

  it("honours the level: below it nothing is written", () => {
    const { log, lines } = capture("WARNING");
    log.debug("a");
    log.info("b");
    log.warn("c");
    log.error("d");
    expect(lines.map((line) => [line.level, line.event])).toEqual([
      ["WARNING", "c"],
      ["ERROR", "d"],
    ]);
    expect(log.enabled("INFO")).toBe(false);
    expect(log.enabled("ERROR")).toBe(true);
  });

  it("binds fields with `with` and never throws on errors or bigints", () => {
    const { log, lines } = capture("INFO");
    log.with({ component: "puller" }).error("failed", { error: new TypeError("boom"), n: 10n });
    expect(lines[0]).toMatchObject({
      component: "puller",
      error: { name: "TypeError", message: "boom" },
      n: "10",
    });
  });
});
