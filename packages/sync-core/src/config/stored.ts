import { ConfigError, type ConfigIssue } from "./issues.js";
import { type LoadConfigInput, type LoadedConfig, loadConfig } from "./load.js";
import { readStoredRows, type SettingsError } from "./rows.js";
import type { MemoriaConfig } from "./schema.js";

export type { SettingsError } from "./rows.js";

export interface StoredConfig extends LoadedConfig {
  /** Stored overrides left out because they cannot work; empty when every one applied. */
  settingsErrors: SettingsError[];
}

/** What the caller adds to the schema's rules (the sync backend's own checks, say). */
export type ConfigCheck = (config: MemoriaConfig) => ConfigIssue[];

/**
 * The configuration with every stored override applied, judged whole: the rows read
 * through the one normalization, then toml < env < overrides against the schema and
 * `check`. `PATCH /settings` saves only what passes here.
 * @throws ConfigError naming every key that cannot work (a row that does not read by its
 * stored key, anything else by its dotted key).
 */
export function loadStoredSettings(
  input: LoadConfigInput,
  stored: Record<string, unknown>,
  check: ConfigCheck = () => [],
): LoadedConfig {
  const rows = readStoredRows(stored);
  const result = attempt(input, rows.overrides, check);
  const issues = [
    ...rows.errors.map((error) => ({ key: error.key, message: error.message })),
    ...("issues" in result ? result.issues : []),
  ];
  if ("loaded" in result && issues.length === 0) return result.loaded;
  throw new ConfigError(issues);
}

/**
 * The configuration with the stored overrides (`PATCH /settings`) that still work, by the
 * same path as `loadStoredSettings`. A row written by an older version, or one `check`
 * refuses, is left out and named in `settingsErrors`; the others still apply (a band
 * tightened by PATCH stays tightened), so one bad row never takes a region down. Throws
 * only when toml/env alone cannot load.
 */
export function loadWithStoredOverrides(
  input: LoadConfigInput,
  stored: Record<string, unknown>,
  check: ConfigCheck = () => [],
): StoredConfig {
  const first = readStoredRows(stored);
  const settingsErrors: SettingsError[] = [...first.errors];
  const usable: Record<string, unknown> = { ...stored };
  for (const error of first.errors) delete usable[error.key];
  for (let round = 0; round <= Object.keys(stored).length; round++) {
    const rows = readStoredRows(usable);
    const result = attempt(input, rows.overrides, check);
    if ("loaded" in result) return { ...result.loaded, settingsErrors };
    const broken = blame(input, usable, result.issues, check);
    if (broken.length === 0) break;
    for (const error of broken) {
      settingsErrors.push(error);
      delete usable[error.key];
    }
  }
  // Nothing more to blame on one stored row: leave them all out; toml/env decide (or throw).
  for (const key of Object.keys(usable))
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
 * The stored rows at fault: those whose keys an issue names (the key itself or a key
 * inside it); failing that, the first row whose absence removes an issue (a stored
 * `sync.backend` that needs a `sync.connection_url` nobody set).
 */
function blame(
  input: LoadConfigInput,
  usable: Record<string, unknown>,
  issues: ConfigIssue[],
  check: ConfigCheck,
): SettingsError[] {
  const { rowOf } = readStoredRows(usable);
  const named = new Map<string, string[]>();
  for (const issue of issues) {
    // The most specific key: `sync.options.retries` over the whole `sync.options`.
    const key = [...rowOf.keys()]
      .filter((stored) => covers(stored, issue.key))
      .sort((a, b) => b.length - a.length)[0];
    const row = key === undefined ? undefined : rowOf.get(key);
    if (row === undefined) continue;
    const message = issue.key === row ? issue.message : `${issue.key}: ${issue.message}`;
    named.set(row, [...(named.get(row) ?? []), message]);
  }
  if (named.size > 0)
    return [...named].map(([key, messages]) => ({ key, message: messages.join("; ") }));
  for (const row of Object.keys(usable)) {
    const { [row]: _left, ...rest } = usable;
    const result = attempt(input, readStoredRows(rest).overrides, check);
    if ("loaded" in result || result.issues.length < issues.length) {
      const message = issues.map((issue) => `${issue.key}: ${issue.message}`).join("; ");
      return [{ key: row, message }];
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
