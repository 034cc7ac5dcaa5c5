import { afterEach, describe, expect, it, vi } from "vitest";
import { createRouterApp } from "./app.js";

const SECRET = "sk-live-do-not-log-0123456789";
const REGIONS = JSON.stringify([
  { id: "region-a", url: "https://a.example", lat: 39, lon: -77, role: "writer" },
]);

afterEach(() => vi.restoreAllMocks());

describe("router logging", () => {
  it("writes an unexpected error as one JSON line with method and path, never credentials", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    // No HEALTH binding: the request fails inside the router, the path that logs.
    const env = { MEMORIA_REGIONS: REGIONS, MEMORIA_LOGGING__LEVEL: "DEBUG" };
    const response = await createRouterApp().request(
      `/memory/abc?api_key=${SECRET}`,
      {
        method: "POST",
        headers: {
          "x-api-key": SECRET,
          authorization: `Bearer ${SECRET}`,
          cookie: `session=${SECRET}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ text: "hello" }),
      },
      env,
    );
    expect(response.status).toBe(500);
    const errors = lines.map((line) => JSON.parse(line)).filter((l) => l.event === "router.error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      level: "ERROR",
      service: "edge-router",
      method: "POST",
      path: "/memory/abc",
    });
    for (const line of lines) expect(line).not.toContain(SECRET);
  });

  it("follows logging.level", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    const env = { MEMORIA_REGIONS: REGIONS, MEMORIA_LOGGING__LEVEL: "CRITICAL" };
    const response = await createRouterApp().request("/memory", {}, env);
    expect(response.status).toBe(500);
    expect(lines).toEqual([]);
  });
});
