import { issuePath } from "../problem.js";
import { toJson } from "./coerce.js";
import { ConfigError, type ConfigIssue, type ValueOrigin } from "./issues.js";
import { resolveKey } from "./keys.js";
import { FIXED_KEYS } from "./schema.js";

/**
 * The one reading of a settings object (`PATCH /settings`, a stored row, `loadConfig`'s
 * overrides), whatever form its keys take: dotted (`"sync.privacy_floor": 0`), nested
 * (`{"sync": {"privacy_floor": 0}}`), a mixture, or another case (`"Sync.Privacy_Floor"`).
 * Out comes one canonical dotted key per setting, spelt as the schema spells it, under
 * one set of rules, so no form can reach what another form is refused:
 * - a prototype key (`__proto__`, `constructor`, `prototype`) at any depth is refused, naming its path;
 * - an unknown key is refused, naming it;
 * - a fixed key (`FIXED_KEYS`) is refused, saying where it is set instead;
 * - a key given more than once (two forms, two cases, a table and an entry in it) is ambiguous: refused.
 * Values are the schema's to judge (`loadConfig`); `null` is kept (in a patch it removes an override).
 */

/** Keys that would reach an object's prototype: never a setting. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);

/** The field a refusal names when the input as a whole is wrong. */
export const ROOT_FIELD = "(root)";

/** Far deeper than any setting (a region list is three levels): a hostile body cannot exhaust the stack. */
const MAX_DEPTH = 16;

export interface ReadSettings {
  /** Canonical dotted key → value, in key order (a table before the entries set inside it). */
  settings: Record<string, unknown>;
  issues: ConfigIssue[];
}

/** As `readSettings`, but any issue is a `ConfigError` naming every one. */
export function normalizeSettings(input: unknown): Record<string, unknown> {
  const { settings, issues } = readSettings(input);
  if (issues.length > 0) throw new ConfigError(issues);
  return settings;
}

/**
 * The settings in `input`, by canonical dotted key, and every rule broken on the way.
 * With `source`, an issue about a value shows it (`loadConfig`'s report).
 */
export function readSettings(input: unknown, source?: Omit<ValueOrigin, "raw">): ReadSettings {
  if (!isTable(input)) {
    const message = "must be an object of settings: dotted keys or nested tables";
    return { settings: {}, issues: [{ key: ROOT_FIELD, message }] };
  }
  const reading: Reading = { given: new Map(), issues: [], ...(source ? { source } : {}) };
  walk(input, { path: [], raw: [] }, reading);
  reading.issues.push(...entriesGivenTwice(reading.given));
  const settings = Object.fromEntries(
    [...reading.given.keys()].sort().map((key) => [key, reading.given.get(key)?.value]),
  );
  return { settings, issues: reading.issues };
}

/** Message for a fixed key: what it is, and where it is set instead. */
export function fixedKeyMessage(key: string): string {
  const env = `MEMORIA_${key.split(".").join("__").toUpperCase()}`;
  return `is fixed for the life of a deployment: set it where the region is deployed (${env} or memoria.toml); another value is another deployment`;
}

export function isTable(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** One setting as the input gave it: its value and the keys that led to it. */
interface Given {
  value: unknown;
  raw: string[];
}

/** What a reading has found so far. */
interface Reading {
  given: Map<string, Given>;
  issues: ConfigIssue[];
  source?: Omit<ValueOrigin, "raw">;
}

function refuse(reading: Reading, key: string, message: string, value?: unknown): void {
  const { source } = reading;
  reading.issues.push(
    source && value !== undefined
      ? { key, message, origin: { ...source, raw: value } }
      : { key, message },
  );
}

/** Where a walk is: the canonical path so far, and the keys as the input wrote them. */
interface At {
  path: string[];
  raw: string[];
}

function walk(table: Record<string, unknown>, at: At, reading: Reading): void {
  for (const [key, value] of Object.entries(table)) {
    const segments = [...at.path, ...key.split(".")];
    const raw = [...at.raw, key];
    const name = segments.join(".");
    const bad = segments.findIndex((segment) => PROTOTYPE_KEYS.has(segment));
    if (bad >= 0) {
      reading.issues.push(prototypeIssue(segments.slice(0, bad + 1).join(".")));
      continue;
    }
    const resolved = resolveKey(segments);
    if (resolved.kind === "unknown") {
      refuse(reading, name, "unknown key", value);
      reading.issues.push(...prototypeKeysIn(value, segments, 0));
    } else if (resolved.kind === "section") {
      if (isTable(value)) walk(value, { path: resolved.path, raw }, reading);
      else {
        refuse(reading, resolved.path.join("."), sectionMessage(value), value);
        reading.issues.push(...prototypeKeysIn(value, resolved.path, 0));
      }
    } else {
      const path = resolved.kind === "entry" ? [...resolved.path, resolved.entry] : resolved.path;
      setting(path.join("."), { value, raw }, reading);
    }
  }
}

/** The rules for one resolved setting, then it is recorded (or refused as given twice). */
function setting(key: string, entry: Given, reading: Reading): void {
  const inside = prototypeKeysIn(entry.value, key.split("."), 0);
  if (inside.length > 0) {
    reading.issues.push(...inside);
    return;
  }
  if ((FIXED_KEYS as readonly string[]).includes(key)) {
    refuse(reading, key, fixedKeyMessage(key), entry.value);
    return;
  }
  const earlier = reading.given.get(key);
  if (earlier) {
    refuse(reading, key, givenTwice(shown(earlier.raw), shown(entry.raw)));
    return;
  }
  reading.given.set(key, entry);
}

function sectionMessage(value: unknown): string {
  return value === null
    ? "must be a table of settings (null removes one key's override: give the keys inside it)"
    : "must be a table of settings";
}

function prototypeIssue(key: string): ConfigIssue {
  return { key, message: "is a prototype key, never a setting" };
}

/** Prototype keys inside a value (a table's entries, a region's fields), JSON strings included. */
function prototypeKeysIn(
  value: unknown,
  path: ReadonlyArray<string | number>,
  depth: number,
): ConfigIssue[] {
  const node = depth === 0 ? toJson(value) : value;
  if (node === null || typeof node !== "object") return [];
  if (depth >= MAX_DEPTH) return [{ key: issuePath(path), message: "is nested too deeply" }];
  const issues: ConfigIssue[] = [];
  const entries: Array<[string | number, unknown]> = Array.isArray(node)
    ? node.map((item, i) => [i, item])
    : Object.entries(node);
  for (const [key, child] of entries) {
    if (typeof key === "string" && PROTOTYPE_KEYS.has(key))
      issues.push(prototypeIssue(issuePath([...path, key])));
    else issues.push(...prototypeKeysIn(child, [...path, key], depth + 1));
  }
  return issues;
}

/** An entry given both inside its whole table and on its own (`sync.options` and `sync.options.ssl`). */
function entriesGivenTwice(given: Map<string, Given>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [key, entry] of given) {
    const dot = key.lastIndexOf(".");
    const table = dot > 0 ? given.get(key.slice(0, dot)) : undefined;
    const whole = table === undefined ? undefined : toJson(table.value);
    if (isTable(whole) && Object.hasOwn(whole, key.slice(dot + 1))) {
      issues.push({ key, message: givenTwice(shown(table?.raw ?? []), shown(entry.raw)) });
    }
  }
  return issues;
}

function givenTwice(first: string, second: string): string {
  return `is given more than once (as ${first} and as ${second}): ambiguous, give it once`;
}

/** `"sync.privacy_floor"` for a dotted key, `{"sync": {"privacy_floor": …}}` for a nested one. */
function shown(raw: readonly string[]): string {
  if (raw.length === 1) return JSON.stringify(raw[0]);
  return raw.reduceRight((inner, key) => `{${JSON.stringify(key)}: ${inner}}`, "…");
}
