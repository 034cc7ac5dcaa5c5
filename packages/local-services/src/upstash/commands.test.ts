import { describe, expect, it } from "vitest";
import { CommandParseError, parseCommand, parseCommands, unavailableReason } from "./commands";

describe("parseCommand", () => {
  it("stringifies numbers and booleans", () => {
    expect(parseCommand(["SET", "k", 12.5, true, -3])).toEqual(["SET", "k", "12.5", "true", "-3"]);
  });

  it.each([
    [[]],
    [{}],
    ["GET k"],
    [["GET", null]],
    [["GET", { a: 1 }]],
    [[""]],
    [["SET", "k", Number.NaN]],
  ])("refuses %j", (body) => {
    expect(() => parseCommand(body)).toThrow(CommandParseError);
  });

  it("parses a list of commands", () => {
    expect(
      parseCommands([
        ["GET", "a"],
        ["INCR", "b"],
      ]),
    ).toEqual([
      ["GET", "a"],
      ["INCR", "b"],
    ]);
    expect(() => parseCommands([])).toThrow(CommandParseError);
  });
});

describe("unavailableReason", () => {
  it.each([["BLPOP"], ["subscribe"], ["MULTI"], ["watch"], ["select"], ["shutdown"], ["Client"]])(
    "refuses %s",
    (name) => {
      expect(unavailableReason([name, "x"])).toMatch(/^ERR Command is not available/);
    },
  );

  it("refuses XREAD and XREADGROUP only with BLOCK", () => {
    expect(unavailableReason(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"])).toMatch(/BLOCK/);
    expect(
      unavailableReason([
        "xreadgroup",
        "GROUP",
        "g",
        "c",
        "COUNT",
        "1",
        "block",
        "10",
        "STREAMS",
        "s",
        ">",
      ]),
    ).toMatch(/BLOCK/);
    expect(unavailableReason(["XREAD", "COUNT", "1", "STREAMS", "block", "0"])).toBeUndefined();
    // A group and a consumer may be named "block".
    expect(
      unavailableReason(["XREADGROUP", "GROUP", "block", "BLOCK", "STREAMS", "s", ">"]),
    ).toBeUndefined();
  });

  it("lets ordinary commands through", () => {
    expect(unavailableReason(["GET", "k"])).toBeUndefined();
    expect(unavailableReason(["EVALSHA", "abc", "0"])).toBeUndefined();
  });
});
