import type { RouteConfig } from "@hono/zod-openapi";
import { CATCH_UP_COUNTS } from "@memoria/sync-core";
import { z } from "zod";
import { access, jsonAnswer, jsonRequest, securedProblems } from "../openapi/define.js";
import { catchUpBody } from "./catch-up.js";

const count = z.number().int();

/**
 * `POST /sync/catch-up` as the OpenAPI document describes it: the body is the route's own
 * schema; the answer mirrors `CatchUpPage` (the route answers with plain `json`).
 */
export const catchUpRoute = {
  method: "post",
  path: "/sync/catch-up",
  operationId: "catchUp",
  tags: ["sync"],
  summary: "Replay one page of what was published since a time, and apply it here",
  description:
    "Page with `after: next` until `done`; `dry_run` classifies without keeping anything.",
  security: access.scope("admin"),
  request: jsonRequest(catchUpBody),
  responses: {
    200: jsonAnswer(
      "One page's counts",
      z.object({
        ...Object.fromEntries(CATCH_UP_COUNTS.map((name) => [name, count])),
        next: z.string().nullable(),
        done: z.boolean(),
        dry_run: z.boolean(),
        total: z.object({ count: count, exact: z.boolean() }).nullable().optional(),
      }),
    ),
    ...securedProblems(409, 415),
  },
} satisfies RouteConfig;
