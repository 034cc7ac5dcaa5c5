import {
  ConfigError,
  type ConfigIssue,
  type LoadConfigInput,
  type LoadedConfig,
  loadConfig,
} from "./load.js";
import type { MemoriaConfig } from "./schema.js";

/** A stored override that was left out, and why (never its value: it may be a secret). */
export interface SettingsError {
  /** The stored dotted key, as `PATCH /settings` wrote it. */
  key: string;
  message: string;
}

export interface StoredConfig extends LoadedConfig {
  /** Stored overrides left out because they cannot work; empty when every one applied. */
  settingsErrors: SettingsError[];
}

/** What the caller adds to the schema's rules (the sync backend's own checks, say). */
export type ConfigCheck = (config: MemoriaConfig) => ConfigIssue[];

/**
 * The configuration with the stored overrides (`PATCH /settings`) that still work. An
 * override written by an older version, or one `check` refuses, is left out and named in
 * `settingsErrors`; the others still apply (a band tightened by PATCH stays tightened), so
 * one bad row never takes a region down. Throws only when toml/env alone cannot load.
 */
export function loadWithStoredOverrides(
  input: LoadConfigInput,
  stored: Record<string, unknown>,
  check: ConfigCheck = () => [],
): StoredConfig {
  const overrides: Record<string, unknown> = { ...stored };
  const settingsErrors: SettingsError[] = [];
  for (let round = 0; round <= Object.keys(stored).length; round++) {
    const result = attempt(input, overrides, check);
    if ("loaded" in result) return { ...result.loaded, settingsErrors };
    const broken = blame(input, overrides, result.issues, check);
    if (broken.length === 0) break;
    for (const error of broken) {
      settingsErrors.push(error);
      delete overrides[error.key];
    }
  }
  // Nothing more to blame on one stored key: leave them all out; toml/env decide (or throw).
  for (const key of Object.keys(overrides))
    settingsErrors.push({ key, message: "not applied: the stored settings together do not load" });
  return { ...loadConfig({ ...input, overrides: {} }), settingsErrors };
}

type Attempt = { loaded: LoadedConfig } | { issues: ConfigIssue[] };

function attempt(
  input: LoadConfigInput,
  overrides: Record<string, unknown>,
  check: ConfigCheck,
): Attempt {
  try {
    const loaded = loadConfig({ ...input, overrides });
    const issues = check(loaded.config);
    return issues.length === 0 ? { loaded } : { issues };
  } catch (error) {
    if (error instanceof ConfigError) return { issues: error.issues };
    throw error;
  }
}

/**
 * The stored keys at fault: those an issue names (the key itself or a key inside it);
 * failing that, the first key whose absence removes an issue (a stored `sync.backend`
 * that needs a `sync.connection_url` nobody set).
 */
function blame(
  input: LoadConfigInput,
  overrides: Record<string, unknown>,
  issues: ConfigIssue[],
  check: ConfigCheck,
): SettingsError[] {
  const named = new Map<string, string[]>();
  for (const issue of issues) {
    const key = Object.keys(overrides).find((stored) => covers(stored, issue.key));
    if (key === undefined) continue;
    const message = issue.key === key ? issue.message : `${issue.key}: ${issue.message}`;
    named.set(key, [...(named.get(key) ?? []), message]);
  }
  if (named.size > 0)
    return [...named].map(([key, messages]) => ({ key, message: messages.join("; ") }));
  for (const key of Object.keys(overrides)) {
    const { [key]: _left, ...rest } = overrides;
    const result = attempt(input, rest, check);
    if ("loaded" in result || result.issues.length < issues.length) {
      const message = issues.map((issue) => `${issue.key}: ${issue.message}`).join("; ");
      return [{ key, message }];
    }
  }
  return [];
}

/** `sync.options` covers `sync.options.retries`, `regions` covers `regions[0].lat`, a key covers itself. */
function covers(stored: string, issueKey: string): boolean {
  return (
    issueKey === stored || issueKey.startsWith(`${stored}.`) || issueKey.startsWith(`${stored}[`)
  );
}
