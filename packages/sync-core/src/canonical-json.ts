/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers and
 * strings as `JSON.stringify` writes them. For the JSON values events carry this is the
 * JSON Canonicalization Scheme (RFC 8785), so a signature made here verifies anywhere
 * that canonicalises the same way.
 */
export function canonicalJson(value: unknown): string {
  return write(value, "");
}

function write(value: unknown, path: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`${path || "(root)"}: ${value} is not JSON`);
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => write(item === undefined ? null : item, `${path}[${i}]`)).join(",")}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(
          `${path || "(root)"}: a ${proto?.constructor?.name ?? "object"} is not plain JSON`,
        );
      }
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const item = record[key];
        if (item === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${write(item, path ? `${path}.${key}` : key)}`);
      }
      return `{${parts.join(",")}}`;
    }
    default:
      throw new TypeError(`${path || "(root)"}: a ${typeof value} is not JSON`);
  }
}
