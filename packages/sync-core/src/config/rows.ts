import { type ReadSettings, readSettings } from "./normalize.js";

/** A stored override that was left out, and why (never its value: it may be a secret). */
export interface SettingsError {
  /** The stored key, as some version of `PATCH /settings` wrote it (`{"key": null}` clears it). */
  key: string;
  message: string;
}

/** The store's settings rows, read through the one normalization. */
export interface StoredRows {
  /** Canonical dotted key → value, from the rows that read cleanly. */
  overrides: Record<string, unknown>;
  /** Canonical key → the stored row it came from: what an issue on the key is blamed on. */
  rowOf: Map<string, string>;
  /** Rows that do not read: unknown, fixed or prototype keys, or a key another row already sets. */
  errors: SettingsError[];
}

/**
 * The stored rows (row key → value) as canonical overrides. A row is one unit: it applies
 * whole or is left out whole and named. Rows an older version wrote in another form
 * (`"memory": {…}`, `"Sync.Privacy_Floor"`) read as their canonical keys; when two rows
 * set one key, the row stored under the canonical key applies and the other is named.
 */
export function readStoredRows(stored: Record<string, unknown>): StoredRows {
  const overrides: Record<string, unknown> = {};
  const rowOf = new Map<string, string>();
  const errors: SettingsError[] = [];
  const read = new Map(
    Object.keys(stored).map((row) => [row, readSettings(Object.fromEntries([[row, stored[row]]]))]),
  );
  for (const [row, { settings, issues }] of [...read].sort(canonicalFirst)) {
    if (issues.length > 0) {
      const message = issues
        .map((issue) => (issue.key === row ? issue.message : `${issue.key}: ${issue.message}`))
        .join("; ");
      errors.push({ key: row, message });
      continue;
    }
    const taken = Object.keys(settings).filter((key) => rowOf.has(key));
    if (taken.length > 0) {
      const message = taken
        .map((key) => `${key}: also stored as "${rowOf.get(key)}", which applies`)
        .join("; ");
      errors.push({ key: row, message });
      continue;
    }
    for (const [key, value] of Object.entries(settings)) {
      overrides[key] = value;
      rowOf.set(key, row);
    }
  }
  return { overrides: sortedByKey(overrides), rowOf, errors };
}

/** Rows stored under their canonical key (what this version writes) before any other, then by key. */
function canonicalFirst([a, readA]: [string, ReadSettings], [b, readB]: [string, ReadSettings]) {
  const rank = (row: string, { settings, issues }: ReadSettings) =>
    issues.length === 0 && Object.keys(settings).length === 1 && Object.hasOwn(settings, row)
      ? 0
      : 1;
  return rank(a, readA) - rank(b, readB) || (a < b ? -1 : a > b ? 1 : 0);
}

/** A table before the entries set inside it, so `loadConfig` lays the entries over it. */
export function sortedByKey(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]]),
  );
}
