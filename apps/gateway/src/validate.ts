import {
  type FieldError,
  fieldErrors,
  issuePath,
  ProblemError,
  unstorableText,
} from "@memoria/sync-core";
import type { Context } from "hono";
import type { z } from "zod";

/**
 * The request body as JSON, validated: bad JSON, a wrong content type or a field that
 * fails the schema is a 4xx problem naming the field, never a 500.
 */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new ProblemError(415, {
      detail: "send the body as application/json",
      errors: [{ field: "Content-Type", message: "must be application/json" }],
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch (error) {
    throw new ProblemError(400, {
      detail: `body is not valid JSON: ${(error as Error).message}`,
      errors: [{ field: "(root)", message: "not JSON" }],
    });
  }
  return parseWith(schema, raw, "body");
}

/**
 * Validates any input (query, params, body) and answers 400 naming the fields. Every
 * string in it, known to the schema or not, is held to the store's text rule first
 * (sync-core `storable.ts`), so no route can pass a NUL on to Postgres.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.infer<S> {
  const unstorable = unstorableText(value).map(({ path, message }) => ({
    field: issuePath(path),
    message,
  }));
  const result = schema.safeParse(value);
  if (result.success && unstorable.length === 0) return result.data;
  const errors = dedupeErrors([
    ...unstorable,
    ...(result.success ? [] : fieldErrors(result.error)),
  ]);
  throw new ProblemError(400, {
    detail: `invalid ${what}: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`,
    errors,
  });
}

/** Each field and message once, in order (two rules may refuse the same field alike). */
export function dedupeErrors(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field}\n${e.message}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}
