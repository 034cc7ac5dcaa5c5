import type { z } from "zod";
import { configSchema, FREE_FORM_KEYS } from "./schema.js";

/**
 * The configuration's key tree, read off the zod schema itself so the loader, the
 * `/settings` API and the docs can never disagree with it about which keys exist.
 */

export type KeyNode =
  | { kind: "section"; children: Map<string, KeyNode> }
  /** A table whose own keys are free (`sync.options`): kept with their case. */
  | { kind: "table" }
  | { kind: "value" };

/** Wrappers that do not change which keys exist. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 16; i++) {
    const def = current.def as unknown as { type: string; innerType?: z.ZodType; out?: z.ZodType };
    if (
      (def.type === "default" ||
        def.type === "prefault" ||
        def.type === "optional" ||
        def.type === "nullable") &&
      def.innerType
    ) {
      current = def.innerType;
    } else if (def.type === "pipe" && def.out) {
      current = def.out;
    } else {
      return current;
    }
  }
  return current;
}

function build(schema: z.ZodType, path: string): KeyNode {
  if ((FREE_FORM_KEYS as readonly string[]).includes(path)) return { kind: "table" };
  const inner = unwrap(schema);
  if (inner.def.type !== "object") return { kind: "value" };
  const shape = (inner as unknown as { shape: Record<string, z.ZodType> }).shape;
  const children = new Map<string, KeyNode>();
  for (const [key, child] of Object.entries(shape))
    children.set(key, build(child, path ? `${path}.${key}` : key));
  return { kind: "section", children };
}

export const CONFIG_KEYS: KeyNode = build(configSchema, "");

/** Every settable dotted key: leaves and free-form tables (`sync.options`), in schema order. */
export function configKeys(node: KeyNode = CONFIG_KEYS, prefix = ""): string[] {
  if (node.kind !== "section") return [prefix];
  const out: string[] = [];
  for (const [key, child] of node.children)
    out.push(...configKeys(child, prefix ? `${prefix}.${key}` : key));
  return out;
}

export type ResolvedKey =
  /** `path` names a value or a whole table. */
  | { kind: "value" | "table"; path: string[] }
  /** `path` is a table and `entry` one key inside it, case kept. */
  | { kind: "entry"; path: string[]; entry: string }
  | { kind: "section"; path: string[] }
  | { kind: "unknown"; known: string[] };

/**
 * Finds the schema key for `segments`, matching each segment without regard to case
 * (env names are case-insensitive); the segment after a free-form table keeps its case.
 */
export function resolveKey(segments: readonly string[]): ResolvedKey {
  let node: KeyNode = CONFIG_KEYS;
  const path: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (node.kind === "table") {
      if (i !== segments.length - 1 || segment === "") return { kind: "unknown", known: [] };
      return { kind: "entry", path, entry: segment };
    }
    if (node.kind === "value") return { kind: "unknown", known: [] };
    let found: [string, KeyNode] | undefined;
    for (const entry of node.children) {
      if (entry[0] === segment) {
        found = entry;
        break;
      }
      if (!found && entry[0].toLowerCase() === segment.toLowerCase()) found = entry;
    }
    if (!found) return { kind: "unknown", known: [...node.children.keys()] };
    path.push(found[0]);
    node = found[1];
  }
  return { kind: node.kind, path };
}
