import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import { issuePath } from "../problem.js";
import { toBoolean, toList } from "./coerce.js";
import { ConfigError, type ConfigIssue, formatIssue, type ValueOrigin } from "./issues.js";
import { resolveKey } from "./keys.js";
import { readSettings } from "./normalize.js";
import { configSchema, type MemoriaConfig } from "./schema.js";
import { isSecretKey, MASK } from "./settings.js";

export { ConfigError, type ConfigIssue, formatIssue, type ValueOrigin } from "./issues.js";

export interface LoadConfigInput {
  /** Text of `memoria.toml`, if any. */
  toml?: string;
  /** Name shown for the TOML source. @default "memoria.toml" */
  tomlName?: string;
  /** `process.env` in Node, the worker's `env` bindings in Workers. Non-string bindings are ignored. */
  env?: Record<string, unknown>;
  /** Settings from `PATCH /settings` (dotted or nested, read by `readSettings`); highest precedence. */
  overrides?: Record<string, unknown>;
  /** Name shown for the overrides. @default "PATCH /settings" */
  overridesName?: string;
  /** Report unknown keys in TOML and env as errors rather than warnings. Unknown override keys are always errors. */
  strict?: boolean;
}

export interface LoadedConfig {
  config: MemoriaConfig;
  /** Dotted key → where its value came from (keys left at their default are absent). */
  origins: Map<string, ValueOrigin>;
  /** Unknown keys that were ignored (the Python original's other settings share the env). */
  warnings: string[];
}

const ENV_PREFIX = "MEMORIA_";
/** Bare env names the operator documents use, outside the `MEMORIA_` prefix. */
const BARE_ENV: Record<string, (value: string) => { segments: string[]; value: unknown }> = {
  DECREMENT_TZ: (value) => ({ segments: ["DECREMENT_TZ"], value }),
  // DISABLE_SCHEDULERS=true is the standby region's switch: it means scheduler.enabled=false.
  DISABLE_SCHEDULERS: (value) => {
    const flag = toBoolean(value);
    return { segments: ["scheduler", "enabled"], value: typeof flag === "boolean" ? !flag : value };
  },
};

type Tree = Record<string, unknown>;

/**
 * Builds the configuration from `memoria.toml` < `MEMORIA_SECTION__KEY` env vars <
 * overrides, validates it with the one schema, and reports every bad key at once.
 * @throws ConfigError listing every problem with its value and source.
 */
export function loadConfig(input: LoadConfigInput = {}): LoadedConfig {
  const layers = new Layers(input.strict ?? false);
  if (input.toml !== undefined && input.toml.trim() !== "")
    readToml(layers, input.toml, input.tomlName ?? "memoria.toml");
  readEnv(layers, input.env ?? {});
  readOverrides(layers, input.overrides ?? {}, input.overridesName ?? "PATCH /settings");

  const { tree, origins, issues, warnings } = layers;
  const result = configSchema.safeParse(tree);
  if (!result.success)
    issues.push(...result.error.issues.map((issue) => toConfigIssue(issue, origins, tree)));
  if (issues.length > 0 || !result.success) throw new ConfigError(dedupe(issues.map(masked)));
  return { config: result.data, origins, warnings };
}

/** The merged settings tree, where each key came from, and what was wrong on the way. */
class Layers {
  readonly tree: Tree = {};
  readonly origins = new Map<string, ValueOrigin>();
  readonly issues: ConfigIssue[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly strict: boolean) {}

  /** Sets one key (or every key of a table) from one source; unknown keys warn unless strict. */
  assign(
    segments: string[],
    value: unknown,
    origin: ValueOrigin,
    unknownIsError = this.strict,
  ): void {
    const resolved = resolveKey(segments);
    if (resolved.kind === "unknown") {
      const issue: ConfigIssue = { key: segments.join("."), message: "unknown key", origin };
      if (unknownIsError) this.issues.push(issue);
      else this.warnings.push(`${formatIssue(issue)} (ignored)`);
      return;
    }
    if (resolved.kind === "section") {
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        for (const [key, child] of Object.entries(value))
          this.assign([...segments, key], child, origin, unknownIsError);
      } else {
        this.issues.push({
          key: resolved.path.join("."),
          message: "must be a table of settings",
          origin: { ...origin, raw: value },
        });
      }
      return;
    }
    const path = resolved.kind === "entry" ? [...resolved.path, resolved.entry] : resolved.path;
    setPath(this.tree, path, value);
    const key = path.join(".");
    // A whole table replaces what lower layers set inside it.
    for (const existing of [...this.origins.keys()])
      if (existing.startsWith(`${key}.`)) this.origins.delete(existing);
    this.origins.set(key, { ...origin, raw: value });
  }
}

function readToml(layers: Layers, toml: string, source: string): void {
  try {
    const parsed = parseToml(toml) as Tree;
    for (const [key, value] of Object.entries(parsed))
      layers.assign([key], value, { source, raw: value, layer: "toml" });
  } catch (error) {
    const message = error instanceof TomlError ? error.message.split("\n")[0] : String(error);
    layers.issues.push({ key: source, message: `is not valid TOML: ${message}` });
  }
}

/** Overrides in any form go through the one normalization and its rules (fixed keys, ambiguity). */
function readOverrides(layers: Layers, overrides: Record<string, unknown>, source: string): void {
  const { settings, issues } = readSettings(overrides, { source, layer: "override" });
  layers.issues.push(...issues);
  for (const [key, value] of Object.entries(settings))
    layers.assign(key.split("."), value, { source, raw: value, layer: "override" }, true);
}

function readEnv(layers: Layers, env: Record<string, unknown>): void {
  // Whole tables (`MEMORIA_SYNC__OPTIONS='{…}'`) first, so single entries inside them win.
  const entries = Object.entries(env).sort(
    ([a], [b]) => a.split("__").length - b.split("__").length || (a < b ? -1 : a > b ? 1 : 0),
  );
  for (const [name, value] of entries) {
    if (typeof value !== "string") continue;
    const origin: ValueOrigin = { source: name, raw: value, layer: "env" };
    const bare = BARE_ENV[name.toUpperCase()];
    if (bare) {
      const { segments, value: mapped } = bare(value);
      layers.assign(segments, mapped, origin);
      continue;
    }
    if (!name.toUpperCase().startsWith(ENV_PREFIX)) continue;
    const segments = name.slice(ENV_PREFIX.length).split("__");
    if (segments.some((segment) => segment === "")) {
      layers.warnings.push(`${name}: empty segment in the name (ignored)`);
      continue;
    }
    layers.assign(segments, value, origin);
  }
}

function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== "object" || Array.isArray(next)) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1] as string] = value;
}

function toConfigIssue(
  issue: z.core.$ZodIssue,
  origins: Map<string, ValueOrigin>,
  tree: Tree,
): ConfigIssue {
  const path = issue.path.map((part) => (typeof part === "symbol" ? String(part) : part));
  const key = issuePath(path);
  // The value at fault came from the deepest key a source set on this path.
  for (let depth = path.length; depth > 0; depth--) {
    const prefix = path.slice(0, depth);
    if (prefix.some((part) => typeof part === "number")) continue;
    const origin = origins.get(prefix.join("."));
    if (origin) {
      const raw =
        depth === path.length
          ? origin.raw
          : (valueAt(tree, path) ??
            valueAt(toJsonValue(origin.raw), path.slice(depth)) ??
            // A list given as `alpha,bravo` (coerce.ts `toList`).
            valueAt(toList(origin.raw), path.slice(depth)));
      return { key, message: issue.message, origin: { ...origin, raw } };
    }
  }
  return { key, message: issue.message };
}

function valueAt(tree: unknown, path: ReadonlyArray<string | number>): unknown {
  let node: unknown = tree;
  for (const part of path)
    node =
      node !== null && typeof node === "object"
        ? (node as Record<string | number, unknown>)[part]
        : undefined;
  return node;
}

function toJsonValue(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** A secret's value never shows in the report (it is logged, and a mistyped key is still most of the key). */
function masked(issue: ConfigIssue): ConfigIssue {
  return issue.origin && isSecretKey(issue.key)
    ? { ...issue, origin: { ...issue.origin, raw: MASK } }
    : issue;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const line = formatIssue(issue);
    if (seen.has(line)) return false;
    seen.add(line);
    return true;
  });
}
