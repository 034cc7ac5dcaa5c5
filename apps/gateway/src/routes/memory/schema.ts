import { memoryFieldsSchema, memoryPatchSchema } from "@memoria/store";
import { z } from "zod";

export const createMemoryBody = memoryFieldsSchema;
export const updateMemoryBody = memoryPatchSchema;

/** Ids are UUIDv7 made by the store; anything else cannot exist, so it is a 404 without a query. */
export const memoryIdParam = z.object({
  id: z.string().regex(/^[0-9a-f-]{36}$/, { error: "must be a memory id" }),
});

const num = (min: number, max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .min(min, { error: `must be >= ${min}` })
    .max(max, { error: `must be <= ${max}` });

export const listMemoryQuery = z
  .strictObject({
    team: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: "must be a team id" })
      .optional(),
    x_min: num(-1e9, 1e9).optional(),
    x_max: num(-1e9, 1e9).optional(),
    y_min: num(-15, 15).optional(),
    y_max: num(-15, 15).optional(),
    z_min: num(-15, 15).optional(),
    z_max: num(-15, 15).optional(),
    since: z.iso.datetime({ offset: true, error: "must be an ISO-8601 time" }).optional(),
    until: z.iso.datetime({ offset: true, error: "must be an ISO-8601 time" }).optional(),
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
