import { describe, expect, it } from "vitest";
import * as contract from "./headers.js";

describe("contract headers", () => {
  it("are distinct lower-case names, as Headers hands them back", () => {
    const names = Object.values(contract);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toBe(name.toLowerCase());
      expect(new Headers({ [name]: "1" }).has(name)).toBe(true);
    }
  });
});
