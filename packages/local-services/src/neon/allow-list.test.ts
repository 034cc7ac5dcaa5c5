import { describe, expect, it } from "vitest";
import { isLoopback, parseTarget, TargetAllowList } from "./allow-list";

describe("TargetAllowList", () => {
  it("allows exactly the listed loopback targets; localhost means 127.0.0.1", () => {
    const list = new TargetAllowList(["localhost:5432", "[::1]:6543"]);
    expect(list.has("127.0.0.1", 5432)).toBe(true);
    expect(list.has("LOCALHOST", 5432)).toBe(true);
    expect(list.has("::1", 6543)).toBe(true);
    expect(list.has("127.0.0.1", 5433)).toBe(false);
    expect(list.has("127.0.0.2", 5432)).toBe(false);
  });

  it("refuses to allow anything but loopback", () => {
    expect(() => new TargetAllowList(["10.0.0.1:5432"])).toThrow(/only loopback/);
    expect(() => new TargetAllowList(["db.example.com:5432"])).toThrow(/only loopback/);
    expect(() => new TargetAllowList(["127.0.0.1"])).toThrow(/host:port/);
  });

  it("can grow and shrink", () => {
    const list = new TargetAllowList();
    list.add("127.0.0.1:1");
    expect(list.list()).toEqual(["127.0.0.1:1"]);
    list.remove("127.0.0.1:1");
    expect(list.has("127.0.0.1", 1)).toBe(false);
  });
});

describe("parseTarget and isLoopback", () => {
  it("parses host:port and [v6]:port", () => {
    expect(parseTarget("127.0.0.1:5432")).toEqual({ host: "127.0.0.1", port: 5432 });
    expect(parseTarget("[::1]:5432")).toEqual({ host: "::1", port: 5432 });
    expect(parseTarget("h:99999")).toBeUndefined();
    expect(parseTarget("::1:5432")).toBeUndefined();
  });

  it("knows loopback", () => {
    expect(isLoopback("127.8.9.10")).toBe(true);
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("192.168.1.1")).toBe(false);
  });
});
