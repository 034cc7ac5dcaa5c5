import { fieldErrors, ProblemError } from "@memoria/sync-core";
import type { Context } from "hono";
import type { z } from "zod";

/**
 * The request body as JSON, validated: bad JSON, a wrong content type or a field that
 * fails the schema is a 4xx problem naming the field, never a 500.
 */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new ProblemError(415, { detail: "send the body as application/json" });
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

/** Validates any input (query, params, body) and answers 400 naming the fields. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = fieldErrors(result.error);
    throw new ProblemError(400, {
      detail: `invalid ${what}: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`,
      errors,
    });
  }
  return result.data;
}
