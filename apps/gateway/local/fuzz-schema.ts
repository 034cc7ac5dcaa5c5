import fc from "fast-check";

/**
 * Dev/test only: values that satisfy a JSON Schema of the OpenAPI document (the subset
 * zod-to-openapi writes: `$ref`, `type` (or a list of them), `enum`, `const`, `anyOf`/`oneOf`,
 * string length/pattern/date-time, number and integer bounds, arrays, objects). Sizes are
 * kept small: the fuzz wants many requests, not big ones (the hostile ones are elsewhere).
 */

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
}

export type Schemas = Record<string, JsonSchema>;

const SPAN = 1e6;

export function schemaArbitrary(
  schema: JsonSchema,
  schemas: Schemas,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (schema.$ref) {
    const target = schemas[schema.$ref.replace("#/components/schemas/", "")];
    if (!target) throw new Error(`unresolved ${schema.$ref}`);
    return schemaArbitrary(target, schemas, depth);
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return fc.oneof(...choices.map((choice) => schemaArbitrary(choice, schemas, depth)));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return fc.jsonValue({ maxDepth: 1 });
  return fc.oneof(...types.map((type) => typed(type, schema, schemas, depth)));
}

function typed(type: string, schema: JsonSchema, schemas: Schemas, depth: number) {
  switch (type) {
    case "string":
      return stringOf(schema);
    case "integer":
      return fc.integer({
        min: Math.ceil(schema.minimum ?? schema.exclusiveMinimum ?? -SPAN),
        max: Math.floor(schema.maximum ?? schema.exclusiveMaximum ?? SPAN),
      });
    case "number":
      return fc.double({
        min: schema.minimum ?? -SPAN,
        max: schema.maximum ?? SPAN,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(schemaArbitrary(schema.items ?? {}, schemas, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)),
      });
    default:
      return objectOf(schema, schemas, depth);
  }
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === "date-time")
    return fc
      .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2030-12-31T00:00:00Z") })
      .filter((date) => !Number.isNaN(date.getTime()))
      .map((date) => date.toISOString());
  const min = schema.minLength ?? 0;
  const max = Math.max(min, Math.min(schema.maxLength ?? 24, 24));
  if (schema.pattern)
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((text) => text.length >= min && text.length <= (schema.maxLength ?? 1e9));
  return fc.string({ minLength: min, maxLength: max });
}

function objectOf(schema: JsonSchema, schemas: Schemas, depth: number) {
  if (!schema.properties || depth > 3)
    return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), {
      maxKeys: 3,
    });
  const entries = Object.entries(schema.properties).map(
    ([name, property]) => [name, schemaArbitrary(property, schemas, depth + 1)] as const,
  );
  return fc.record(Object.fromEntries(entries), { requiredKeys: schema.required ?? [] });
}
