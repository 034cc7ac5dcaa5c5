import { CONFIG_KEYS, type KeyNode } from "./keys.js";
import { type MemoriaConfig, SECRET_KEYS } from "./schema.js";

/** What secrets look like when shown; sending it back means "keep the current value". */
export const MASK = "***";

export function isSecretKey(key: string): boolean {
  return (SECRET_KEYS as readonly string[]).some(
    (secret) => key === secret || key.startsWith(`${secret}.`),
  );
}

/**
 * The configuration as dotted keys (`"sync.privacy_floor": 0`), the shape `/settings`
 * speaks. Free-form tables and the region list stay whole values. Secrets are `***`
 * when set, absent values are `null`.
 */
export function settingsView(
  config: MemoriaConfig,
  { reveal = false } = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (node: KeyNode, value: unknown, prefix: string) => {
    if (node.kind === "section") {
      for (const [key, child] of node.children) {
        walk(
          child,
          (value as Record<string, unknown> | undefined)?.[key],
          prefix ? `${prefix}.${key}` : key,
        );
      }
      return;
    }
    const present =
      value !== undefined && !(node.kind === "table" && Object.keys(value as object).length === 0);
    out[prefix] = !reveal && isSecretKey(prefix) && present ? MASK : (value ?? null);
  };
  walk(CONFIG_KEYS, config, "");
  return out;
}

/** A settings patch without the entries that only echo a masked secret back. */
export function withoutMaskedSecrets(patch: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(patch).filter(([key, value]) => !(value === MASK && isSecretKey(key))),
  );
}
