import { memoryFieldRules } from "@memoria/store";
import {
  type FieldError,
  fieldErrors,
  isStorableTime,
  type MemoriaConfig,
  PRIVACY_MIN,
  ProblemError,
  TIME_RANGE,
} from "@memoria/sync-core";
import { z } from "zod";
import { dedupeErrors } from "../../validate.js";

/**
 * A memory body in either spelling: upstream Memoria's `MemoryEntry` (`x_coord`, `y_coord`,
 * `z_coord`, `team_id`/`workspace_id`, `namespace`, …) or this API's own (`x`, `y`, `z`,
 * `team`). Both end as the store's fields; docs/api.md lists every difference and why.
 *
 * A body is in "our form" when it sends any of `x`, `y`, `z`, `team`: it keeps today's
 * rules (anchor and tokens default, symbolic_anchors must be a list, x is not derived).
 * Otherwise it is in upstream's form and gets upstream's rules (anchor, text, tokens
 * required; the x_coord/timestamp rule; symbolic_anchors may be one string).
 */

const rules = memoryFieldRules;
const DAY_MS = 86_400_000;
/** Upstream's x_coord vs timestamp rule, word for word (pydantic error `x_coord_mismatch`). */
export const X_MISMATCH = "x_coord likely mismatches timestamp-derived value";

const absent = (value: unknown) => value === null || value === "";

/** Upstream's `parse_optional_coordinate`: a number or numeric string; null and "" are "not sent". */
function coordinate(rule: z.ZodNumber) {
  return z.preprocess((value) => {
    if (absent(value)) return undefined;
    if (typeof value === "string" && Number.isFinite(Number(value))) return Number(value);
    return value;
  }, rule.optional());
}

/** Whole numbers, also as strings (pydantic's lax `int`). */
const tokens = z.preprocess(
  (value) => (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : value),
  rules.tokens.optional(),
);

/** Upstream's `_coerce_identifier`: trimmed, empty is "not sent"; then our team name rule. */
const identifier = z.preprocess(
  (value) => (typeof value === "string" ? value.trim() || undefined : (value ?? undefined)),
  rules.team.unwrap().optional(),
);

/** pydantic's datetime input: ISO with or without offset (naive = UTC), a date, unix seconds/ms. */
export function parseWhen(value: unknown): unknown {
  if (absent(value)) return undefined;
  if (typeof value === "number") {
    const date = new Date(Math.abs(value) > 2e10 ? value : value * 1000);
    return Number.isNaN(date.getTime()) ? value : date.toISOString();
  }
  if (typeof value !== "string") return value;
  const text = value.trim().replace(/^(\d{4}-\d{2}-\d{2}) /, "$1T");
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return `${text}T00:00:00Z`;
  const naive = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/.exec(text);
  if (naive) return `${naive[1]}${naive[2] ?? ":00"}Z`;
  return text;
}

/** Upstream's `canonicalize_symbolic_anchors`: trimmed, empties and nulls dropped; a string kept for later. */
const anchorsInput = z.preprocess((value) => {
  if (value === null) return [];
  if (!Array.isArray(value)) return value;
  const kept = value.filter((item) => item !== null);
  return kept.map((item) => (typeof item === "string" ? item.trim() : item)).filter(Boolean);
}, z
  .union([z.string(), rules.symbolic_anchors], { error: "must be a list of strings" })
  .optional());

export const upstreamBody = z.strictObject({
  anchor: rules.anchor.optional(),
  text: rules.text.optional(),
  tokens,
  timestamp: z.preprocess(parseWhen, rules.timestamp.optional()),
  x_coord: coordinate(rules.x),
  y_coord: coordinate(rules.y),
  z_coord: coordinate(rules.z),
  symbolic_anchors: anchorsInput,
  x: rules.x.optional(),
  y: rules.y.optional(),
  z: rules.z.optional(),
  team: rules.team.optional(),
  team_id: identifier,
  workspace_id: identifier,
  namespace: z.string({ error: "must be a string" }).nullable().optional(),
  /** Accepted and ignored: a memory's team alone decides who sees it here. */
  share_with_team: z.union([z.boolean(), z.string(), z.number(), z.null()]).optional(),
  /** Accepted and ignored: there is no short-term → long-term promotion here. */
  promotion_weights: z.record(z.string(), z.unknown()).nullable().optional(),
  ingest_mode: z.string({ error: "must be a string" }).nullable().optional(),
});
export type UpstreamBody = z.infer<typeof upstreamBody>;

/** What the region decides with: its namespace, team prefix, lowest y, and the time now. */
export interface EntryContext {
  namespace: string;
  teamPrefix: string;
  privacyFloor: number;
  now: number;
}

type Kind = "create" | "update";
type Axis = "x" | "y" | "z";
const ALIASES: Record<Axis, `${Axis}_coord`> = { x: "x_coord", y: "y_coord", z: "z_coord" };

/** The store's fields a body resolves to, and the name the client used for y (for later errors). */
export interface ResolvedEntry {
  fields: Record<string, unknown>;
  yName: "y" | "y_coord";
}

/** Parses and resolves a body; every refusal is one 400 naming each field at fault. */
export function resolveEntry(raw: unknown, kind: Kind, ctx: EntryContext): ResolvedEntry {
  const parsed = upstreamBody.safeParse(raw);
  const errors: FieldError[] = parsed.success ? [] : fieldErrors(parsed.error);
  if (kind === "create") errors.push(...missingFields(raw));
  if (!parsed.success || errors.length > 0) throw invalid(dedupeErrors(errors));
  const body = parsed.data;
  const ours = (["x", "y", "z", "team"] as const).some((name) => body[name] !== undefined);
  const fields: Record<string, unknown> = {};
  for (const name of ["anchor", "text", "tokens"] as const)
    if (body[name] !== undefined) fields[name] = body[name];
  for (const axis of ["x", "y", "z"] as const) {
    const value = pickAlias(body, axis, ALIASES[axis], errors);
    if (value !== undefined) fields[axis] = value;
  }
  resolveAnchors(body, ours, fields, errors);
  resolveTeam(body, ctx, fields, errors);
  resolveTime(body, { ours, kind, now: ctx.now }, fields, errors);
  if (kind === "create" && fields.y === undefined)
    fields.y = Math.max(PRIVACY_MIN, ctx.privacyFloor);
  const mode = body.ingest_mode?.trim().toLowerCase();
  if (mode === "personal")
    errors.push({
      field: "ingest_mode",
      message: "personal ingest (chat_id, documents) is not offered here",
    });
  if (errors.length > 0) throw invalid(errors);
  return { fields, yName: body.y_coord !== undefined && body.y === undefined ? "y_coord" : "y" };
}

/** Upstream requires anchor, text and tokens; our form keeps its defaults for anchor and tokens. */
function missingFields(raw: unknown): FieldError[] {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return [];
  const body = raw as Record<string, unknown>;
  const ours = ["x", "y", "z", "team"].some((name) => body[name] !== undefined);
  const required = ours ? ["text"] : ["anchor", "text", "tokens"];
  return required
    .filter((name) => body[name] === undefined)
    .map((field) => ({ field, message: "is required" }));
}

function pickAlias(body: UpstreamBody, ours: Axis, theirs: `${Axis}_coord`, errors: FieldError[]) {
  const a = body[ours];
  const b = body[theirs];
  if (a !== undefined && b !== undefined && a !== b) {
    const message = `${ours} and ${theirs} name the same field with different values; send one`;
    errors.push({ field: ours, message }, { field: theirs, message });
  }
  return b ?? a;
}

function resolveAnchors(
  body: UpstreamBody,
  ours: boolean,
  fields: Record<string, unknown>,
  errors: FieldError[],
) {
  const anchors = body.symbolic_anchors;
  if (anchors === undefined) return;
  if (typeof anchors !== "string") fields.symbolic_anchors = anchors;
  else if (ours) errors.push({ field: "symbolic_anchors", message: "must be a list of strings" });
  else fields.symbolic_anchors = anchors.trim() === "" ? [] : [anchors.trim().slice(0, 256)];
}

/**
 * team_id wins over workspace_id (upstream's rule); `team` is ours. `namespace` must be this
 * region's namespace or one of its team spaces (`<prefix>-<team>`), which names the team.
 */
function resolveTeam(
  body: UpstreamBody,
  ctx: EntryContext,
  fields: Record<string, unknown>,
  errors: FieldError[],
) {
  const theirs = body.team_id ?? body.workspace_id;
  if (body.team !== undefined && theirs !== undefined && body.team !== theirs) {
    const message = "team and team_id/workspace_id differ; send one";
    errors.push(
      { field: "team", message },
      { field: body.team_id ? "team_id" : "workspace_id", message },
    );
  }
  let team = body.team !== undefined ? body.team : theirs;
  const namespace = body.namespace?.trim();
  const teamSpace = `${ctx.teamPrefix}-`;
  if (namespace && namespace !== ctx.namespace) {
    const named = namespace.startsWith(teamSpace) ? namespace.slice(teamSpace.length) : undefined;
    if (named === undefined || !rules.team.safeParse(named).success || (team && team !== named)) {
      errors.push({
        field: "namespace",
        message: `this region stores namespace "${ctx.namespace}" and its team spaces "${teamSpace}<team>"${team ? ` (here ${teamSpace}${team})` : ""} only`,
      });
    } else team = named;
  }
  if (team !== undefined) fields.team = team;
}

/**
 * Upstream's x_coord/timestamp rule, for a body in upstream's form or one that sends
 * x_coord: x alone sets the timestamp to now + x days; a timestamp alone sets x to its
 * day offset from today (UTC); both must agree within a day. Our form's `x` keeps today's
 * meaning (independent of the timestamp).
 */
function resolveTime(
  body: UpstreamBody,
  how: { ours: boolean; kind: Kind; now: number },
  fields: Record<string, unknown>,
  errors: FieldError[],
) {
  if (body.timestamp !== undefined) fields.timestamp = body.timestamp;
  const derive =
    body.x_coord !== undefined ||
    (!how.ours && (how.kind === "create" || body.timestamp !== undefined));
  const x = fields.x as number | undefined;
  if (!derive || (body.timestamp === undefined && x === undefined)) return;
  const xName = body.x_coord !== undefined ? "x_coord" : "x";
  if (body.timestamp === undefined) {
    const when = how.now + (x as number) * DAY_MS;
    if (!isStorableTime(when))
      errors.push({ field: xName, message: `is too far from today to be a time: ${TIME_RANGE}` });
    else fields.timestamp = new Date(when).toISOString();
    return;
  }
  const derived = dayOffset(new Date(body.timestamp), how.now);
  if (x === undefined) fields.x = derived;
  else if (Math.abs(x - derived) > 1) errors.push({ field: xName, message: X_MISMATCH });
}

/** Whole days from today (UTC) to the day of `when`, as upstream's `(ts.date() - today).days`. */
export function dayOffset(when: Date, now: number): number {
  const day = (t: number) => Math.floor(t / DAY_MS);
  return day(when.getTime()) - day(now);
}

function invalid(errors: FieldError[]): ProblemError {
  return new ProblemError(400, {
    detail: `invalid body: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`,
    errors,
  });
}

/** The context of a request to this region, read off its config. */
export function entryContext(
  config: Pick<MemoriaConfig, "memory">,
  now: number = Date.now(),
): EntryContext {
  return {
    namespace: config.memory.namespace,
    teamPrefix: config.memory.team_namespace_prefix,
    privacyFloor: config.memory.privacy_floor,
    now,
  };
}
