import { describe, expect, it } from "vitest";
import { prefersJson } from "./negotiate.js";

describe("GET /status: page or JSON, by Accept", () => {
  it("gives JSON to a script that asks for it", () => {
    for (const accept of [
      "application/json",
      "application/json, text/plain, */*",
      "application/*",
      "text/html;q=0.5, application/json",
      "APPLICATION/JSON",
    ])
      expect(prefersJson(accept), accept).toBe(true);
  });

  it("gives the page to browsers, curl with no flags, and a request without Accept", () => {
    for (const accept of [
      undefined,
      null,
      "",
      "*/*",
      "text/html",
      "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
      "text/*, application/json;q=0.9",
      "application/json;q=0, */*",
      "application/json;q=0.5, text/html",
      "image/png",
      "garbage",
    ])
      expect(prefersJson(accept), String(accept)).toBe(false);
  });
});
