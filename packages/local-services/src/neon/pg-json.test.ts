import { describe, expect, it } from "vitest";
import { parsePgArray, pgTextToJson } from "./pg-json";

describe("pgTextToJson", () => {
  it("converts as Neon's proxy does", () => {
    expect(pgTextToJson("t", 16)).toBe(true);
    expect(pgTextToJson("f", 16)).toBe(false);
    expect(pgTextToJson("-12", 23)).toBe(-12);
    expect(pgTextToJson("1.5", 701)).toBe(1.5);
    expect(pgTextToJson("NaN", 701)).toBe("NaN");
    expect(pgTextToJson("9007199254740993", 20)).toBe("9007199254740993");
    expect(pgTextToJson("12.30", 1700)).toBe("12.30");
    expect(pgTextToJson('{"a":[1,null]}', 3802)).toEqual({ a: [1, null] });
    expect(pgTextToJson(null, 23)).toBeNull();
  });

  it("converts arrays element by element", () => {
    expect(pgTextToJson("{1,2,NULL}", 1007)).toEqual([1, 2, null]);
    expect(pgTextToJson('{"a b","c\\"d",e}', 1009)).toEqual(["a b", 'c"d', "e"]);
    expect(pgTextToJson("{{t,f},{f,t}}", 1000)).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(pgTextToJson("{}", 1007)).toEqual([]);
  });
});

describe("parsePgArray", () => {
  it("reads dimension decorations and quoted NULL", () => {
    expect(parsePgArray('[0:1]={x,"NULL"}')).toEqual(["x", "NULL"]);
  });

  it("refuses malformed input", () => {
    expect(() => parsePgArray("1,2")).toThrow();
    expect(() => parsePgArray("{1,2")).toThrow();
  });
});
