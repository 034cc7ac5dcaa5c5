import { memoryFieldRules, memoryFieldsSchema, memoryPatchSchema } from "@memoria/store";
import { SYNC_TOKEN_HEADER } from "@memoria/sync-core";
import { z } from "zod";

export const createMemoryBody = memoryFieldsSchema;
export const updateMemoryBody = memoryPatchSchema;

/** Ids are UUIDv7 made by the store; anything else cannot exist, so it is a 404 without a query. */
export const memoryIdParam = z.object({
  id: z.string().regex(/^[0-9a-f-]{36}$/, { error: "must be a memory id" }),
});

/**
 * A read may carry the sync token a write answered with: the router then sends it only to
 * a region that has applied that write (read-your-writes); a malformed one is a 400.
 */
export const readHeaders = z.object({
  [SYNC_TOKEN_HEADER]: z
    .string()
    .optional()
    .describe("Memoria-Sync-Token: a write's `sync_token` (wallMs:counter:region)"),
});

/** What every write answers with besides its body. */
export const writeAnswerHeaders = z.object({
  [SYNC_TOKEN_HEADER]: z.string().describe("Memoria-Sync-Token of this write"),
});

const { team, timestamp, x, y, z: zAxis } = memoryFieldRules;

/** A query bound on a numeric field: coerced from the query string, inside the field's own range. */
const bound = (rule: z.ZodNumber) => {
  const min = rule.minValue ?? Number.NEGATIVE_INFINITY;
  const max = rule.maxValue ?? Number.POSITIVE_INFINITY;
  return z.coerce
    .number({ error: "must be a number" })
    .min(min, { error: `must be >= ${min}` })
    .max(max, { error: `must be <= ${max}` })
    .optional();
};

export const listMemoryQuery = z
  .strictObject({
    team: team.unwrap().optional(),
    x_min: bound(x),
    x_max: bound(x),
    y_min: bound(y),
    y_max: bound(y),
    z_min: bound(zAxis),
    z_max: bound(zAxis),
    since: timestamp.optional(),
    until: timestamp.optional(),
    limit: z.coerce
      .number()
      .int({ error: "must be a whole number" })
      .min(1, { error: "must be >= 1" })
      .max(200, { error: "must be <= 200" })
      .default(50),
    after: z.string().max(512).optional(),
  })
  .superRefine((q, ctx) => {
    for (const axis of ["x", "y", "z"] as const) {
      const min = q[`${axis}_min`];
      const max = q[`${axis}_max`];
      if (min !== undefined && max !== undefined && min > max)
        ctx.addIssue({ code: "custom", path: [`${axis}_max`], message: `must be >= ${axis}_min` });
    }
  });
