import { ConfigError } from "./issues.js";
import { isTable, normalizeSettings, ROOT_FIELD } from "./normalize.js";
import { readStoredRows, sortedByKey } from "./rows.js";
import { withoutMaskedSecrets } from "./settings.js";

export interface SettingsChange {
  /** The overrides to store: canonical dotted keys, plus any stored row that does not read (kept, so it is still named). */
  next: Record<string, unknown>;
  /** Canonical keys the patch sets or removes, and rows it clears: what the trial must reach the backend for; sorted, so every form of a body gives the same list. */
  changed: string[];
}

/**
 * The stored overrides after a `PATCH /settings` body in any form (dotted, nested, mixed):
 * the body goes through the one normalization, the stored rows too, and the patch is laid
 * over them by canonical key (`null` removes a key and what is set inside it; a whole table
 * replaces its stored entries; `***` for a secret keeps it). `{"row": null}` for a row
 * stored under exactly that key clears it whatever it holds: the way out for a row an
 * older version wrote that no longer reads. Rewrites every row that reads in its canonical
 * form. Whether the result can work is `loadStoredSettings`' to judge.
 * @throws ConfigError when the body breaks a rule; nothing is changed then.
 */
export function patchSettings(stored: Record<string, unknown>, body: unknown): SettingsChange {
  if (!isTable(body))
    throw new ConfigError([{ key: ROOT_FIELD, message: "must be an object of settings" }]);
  const cleared = Object.keys(body).filter(
    (key) => body[key] === null && Object.hasOwn(stored, key),
  );
  const patch = withoutMaskedSecrets(normalizeSettings(without(body, cleared)));
  const kept = without(stored, cleared);
  const rows = readStoredRows(kept);
  const next: Record<string, unknown> = {
    ...Object.fromEntries(rows.errors.map((error) => [error.key, kept[error.key]])),
    ...rows.overrides,
  };
  for (const [key, value] of Object.entries(patch)) {
    for (const existing of Object.keys(next))
      if (existing === key || existing.startsWith(`${key}.`)) delete next[existing];
    if (value !== null) next[key] = value;
  }
  return {
    next: sortedByKey(next),
    changed: [...new Set([...cleared, ...Object.keys(patch)])].sort(),
  };
}

function without(
  record: Record<string, unknown>,
  keys: readonly string[],
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
}
