import { z } from "zod";

/**
 * Environment variables are strings; TOML and JSON already carry types. These wrappers
 * let one schema accept both, so `"True"`, `"true"`, `"1"` and `true` all mean true.
 */

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

export function toBoolean(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim().toLowerCase();
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  return value;
}

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function toNumber(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  return NUMERIC.test(text) ? Number(text) : value;
}

/** For free-form option maps: the best-typed reading of an env string, else the string. */
export function toScalar(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const asBool = toBoolean(value);
  if (typeof asBool === "boolean") return asBool;
  const asNumber = toNumber(value);
  return typeof asNumber === "number" ? asNumber : value;
}

/** Arrays and maps given as one env string are JSON. */
export function toJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Lists given as one env string: JSON (`["a","b"]`), or comma-separated (`a,b`; empty = none). */
export function toList(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  if (text.startsWith("[")) return toJson(text);
  return text === "" ? [] : text.split(",").map((item) => item.trim());
}

export const flag = () => z.preprocess(toBoolean, z.boolean({ error: "must be true or false" }));
type NumberRule = (n: z.ZodNumber) => z.ZodNumber;
export const num = (rule: NumberRule = (n) => n) =>
  z.preprocess(toNumber, rule(z.number({ error: "must be a number" })));
export const int = (rule: NumberRule = (n) => n) =>
  z.preprocess(
    toNumber,
    rule(z.number({ error: "must be a number" }).int({ error: "must be a whole number" })),
  );
export const scalarMap = () =>
  z.preprocess(
    toJson,
    z.record(
      z.string(),
      z.preprocess(toScalar, z.union([z.string(), z.number(), z.boolean(), z.null()])),
      {
        error: "must be a table of strings, numbers or booleans",
      },
    ),
  );
