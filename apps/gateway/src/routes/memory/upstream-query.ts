import { type FoundMemory, memoryFieldRules } from "@memoria/store";
import { isStorableTime, type MemoriaConfig, TIME_RANGE } from "@memoria/sync-core";
import type { Context } from "hono";
import { z } from "zod";
import { type GatewayApp, json } from "../../app.js";
import { parseWith } from "../../validate.js";

/**
 * What upstream Memoria's query routes (`/memory/recent`, `/search`, `/spatial`,
 * `/time-range`, `/anchor`) share: their query parameters read as Flask reads them,
 * zod rules for them, the team a request names, and an item in upstream's names.
 */

/** Parameters upstream reads with `getlist`: every value counts. */
const LIST_PARAMS = new Set(["anchor", "keyword", "category"]);

/**
 * The query as Flask's `request.args` gives it to upstream: lists for `getlist`
 * parameters, else the first value; an empty value is absent (upstream's `in (None, "")`).
 */
export function parseUpstreamQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const raw: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (LIST_PARAMS.has(name)) raw[name] = values;
    else if (values[0] !== undefined && values[0] !== "") raw[name] = values[0];
  }
  return parseWith(schema, raw, "query");
}

/** A positive whole number up to 1000 (upstream has no ceiling; we answer at most 1000). */
export const limitParam = (fallback: number) =>
  z.coerce
    .number({ error: "must be a positive integer" })
    .int({ error: "must be a positive integer" })
    .min(1, { error: "must be a positive integer" })
    .max(1000, { error: "must be <= 1000" })
    .default(fallback);

export const offsetParam = z.coerce
  .number({ error: "must be a non-negative integer" })
  .int({ error: "must be a non-negative integer" })
  .min(0, { error: "must be a non-negative integer" })
  .max(100_000, { error: "must be <= 100000" })
  .default(0);

export const floatParam = z.coerce.number({ error: "must be a valid float" });

/**
 * An ISO-8601 time as Python's `fromisoformat` reads it (a date, or a time with or
 * without an offset; naive means UTC), as a normalized ISO string.
 */
export const timeParam = z.string().transform((value, ctx) => {
  let text = value.trim().replace(" ", "T");
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) text += "T00:00:00";
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) text += "Z";
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) {
    ctx.addIssue({ code: "custom", message: "must be a valid ISO 8601 timestamp" });
    return z.NEVER;
  }
  if (!isStorableTime(time)) {
    ctx.addIssue({ code: "custom", message: TIME_RANGE });
    return z.NEVER;
  }
  return new Date(time).toISOString();
});

/** Upstream's `_parse_anchor_params`: each value a JSON array, a comma list or one anchor. */
export const anchorsParam = z
  .array(z.string())
  .default([])
  .transform((values, ctx) => {
    const anchors: string[] = [];
    for (const raw of values.map((v) => v.trim()).filter(Boolean)) {
      if (!raw.startsWith("[")) {
        anchors.push(...raw.split(",").map((part) => part.trim()));
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: "custom", message: "Invalid anchor format" });
        return z.NEVER;
      }
      if (!Array.isArray(parsed)) {
        ctx.addIssue({ code: "custom", message: "Anchors must be an array" });
        return z.NEVER;
      }
      anchors.push(...parsed.map((a) => String(a).trim()));
    }
    return anchors.filter(Boolean);
  });

const teamParam = z.string().trim().pipe(memoryFieldRules.team.unwrap());

/** Upstream's team parameters: `team_id` (falling back to `workspace_id`), `namespace`. */
export const teamParams = {
  namespace: z.string().trim().max(128).optional(),
  team_id: teamParam.optional(),
  workspace_id: teamParam.optional(),
  /** Accepted and ignored: a record of a team is visible to that team already. */
  share_with_team: z.string().optional(),
};

type TeamParams = {
  namespace?: string | undefined;
  team_id?: string | undefined;
  workspace_id?: string | undefined;
};

/**
 * The team a request narrows to: `team_id`, else `workspace_id`, and a `namespace` that is
 * a team's (`team-alpha`). `null` when nothing can match: a namespace this region does not
 * serve, or a team namespace and a `team_id` naming different teams.
 */
export function requestedTeam(
  q: TeamParams,
  config: Pick<MemoriaConfig, "memory">,
): { team?: string } | null {
  const team = q.team_id ?? q.workspace_id;
  const ns = q.namespace;
  if (ns === undefined || ns === "" || ns === config.memory.namespace)
    return team === undefined ? {} : { team };
  const prefix = `${config.memory.team_namespace_prefix}-`;
  if (!ns.startsWith(prefix)) return null;
  const nsTeam = ns.slice(prefix.length);
  if (team !== undefined && team !== nsTeam) return null;
  return { team: nsTeam };
}

export type MemoryApp = GatewayApp;

/**
 * A bare list, as upstream answers, of at most `limit` items (`found` holds up to one
 * more); `x-memoria-truncated: true` when more matched than were sent.
 */
export function boundedList<T>(
  found: FoundMemory[],
  limit: number,
  item: (memory: FoundMemory) => T,
): Response {
  const truncated = found.length > limit;
  return json(
    200,
    found.slice(0, limit).map(item),
    truncated ? { "x-memoria-truncated": "true" } : {},
  );
}
