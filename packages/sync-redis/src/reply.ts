/**
 * Readers for raw replies. With `automaticDeserialization: false` the client hands back
 * what the REST endpoint sent: strings (base64-decoded), integers as JSON numbers, nil as
 * `null`, arrays nested as Redis built them. Anything else is a protocol surprise, named.
 */

export function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${what}: expected an array, got ${show(value)}`);
  return value;
}

export function asInteger(value: unknown, what: string): number {
  const number = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number)) {
    throw new TypeError(`${what}: expected an integer, got ${show(value)}`);
  }
  return number;
}

export function asString(value: unknown, what: string): string {
  if (typeof value === "number") return String(value);
  if (typeof value !== "string")
    throw new TypeError(`${what}: expected a string, got ${show(value)}`);
  return value;
}

export function asOptionalString(value: unknown, what: string): string | null {
  return value === null || value === undefined ? null : asString(value, what);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The message of an error and of its cause (fetch puts ECONNREFUSED there). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  const causeText =
    cause instanceof Error
      ? cause.message || (cause as { code?: string }).code
      : typeof cause === "string"
        ? cause
        : undefined;
  return causeText && !error.message.includes(causeText)
    ? `${error.message}: ${causeText}`
    : error.message;
}
