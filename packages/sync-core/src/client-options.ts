import type { ConfigIssue } from "./config/load.js";

/** The kind of value a client option takes. `integer` means a whole number >= 0. */
export type OptionKind = "boolean" | "integer" | "string";
export type OptionValue = boolean | number | string;

/**
 * What one backend makes of a free-form option table (`sync.options`,
 * `sync.connect_kwargs`): keys it maps to a real client option, and keys from the
 * operator guides (the Python original's `redis.from_url` / libpq keywords) that mean
 * nothing on the edge, each with the edge equivalent to name in a warning. Any other key
 * is refused, so a typo never passes silently.
 */
export interface ClientOptionTable {
  accepted: Readonly<Record<string, OptionKind>>;
  /** Key → what to use instead on the edge (the warning's text). */
  edgeEquivalents: Readonly<Record<string, string>>;
}

export interface ReadClientOptions {
  /** Accepted keys with values of the right kind (unset entries, `null`, left out). */
  values: Record<string, OptionValue>;
  issues: ConfigIssue[];
  warnings: string[];
}

/**
 * Checks one table against a backend's `ClientOptionTable`. `key` is the table's dotted
 * config key, so issues and warnings name `sync.options.ssl`, not just `ssl`.
 */
export function readClientOptions(
  key: string,
  table: Readonly<Record<string, unknown>>,
  spec: ClientOptionTable,
): ReadClientOptions {
  const result: ReadClientOptions = { values: {}, issues: [], warnings: [] };
  for (const [name, raw] of Object.entries(table)) {
    if (raw === null || raw === undefined) continue;
    const kind = spec.accepted[name];
    const equivalent = spec.edgeEquivalents[name];
    if (kind !== undefined) {
      const value = asKind(raw, kind);
      if (value === undefined) {
        result.issues.push({ key: `${key}.${name}`, message: `must be ${describeKind(kind)}` });
      } else {
        result.values[name] = value;
      }
    } else if (equivalent !== undefined) {
      result.warnings.push(`${key}.${name}: has no effect on the edge; ${equivalent}`);
    } else {
      result.issues.push({ key: `${key}.${name}`, message: unknownMessage(spec) });
    }
  }
  return result;
}

function unknownMessage(spec: ClientOptionTable): string {
  const accepted = Object.keys(spec.accepted).join(", ") || "none";
  const ignored = Object.keys(spec.edgeEquivalents).join(", ");
  return `unknown option; accepted: ${accepted}${ignored ? ` (ignored with a warning: ${ignored})` : ""}`;
}

function describeKind(kind: OptionKind): string {
  if (kind === "boolean") return "true or false";
  if (kind === "integer") return "a whole number >= 0";
  return "a string";
}

function asKind(raw: unknown, kind: OptionKind): OptionValue | undefined {
  if (kind === "boolean") {
    if (typeof raw === "boolean") return raw;
    if (typeof raw === "string" && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === "true";
    return undefined;
  }
  if (kind === "integer") {
    const n = typeof raw === "string" && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
    return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  }
  return typeof raw === "string" || typeof raw === "number" ? String(raw) : undefined;
}
