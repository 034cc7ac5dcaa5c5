import { z } from "zod";
import { ConfigError } from "./config/issues.js";

/** One field that failed validation, named by its dotted path (`payload.y`, `sync.privacy_floor`). */
export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details: the one error shape both apps answer with. */
export const problemDetailsSchema = z.object({
  type: z.string().default("about:blank"),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  /**
   * The detail (or the title) again, under the name upstream Memoria's errors use
   * (`{"status": "error", "message": …}`), so its clients keep reading errors. An RFC 9457
   * extension member.
   */
  message: z.string().optional(),
});
export type ProblemDetails = z.infer<typeof problemDetailsSchema>;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * What a 4xx blames when the code refusing it named no field. Every 4xx names at least one
 * part of the request, so a client always knows what to fix: a body field by its path
 * (`symbolic_anchors[2]`), a query or path parameter by its name, a header by its name
 * (`Memoria-Sync-Token`), or the request part as a whole (`(body)`, `(path)`, `(method)`).
 */
const SUBJECTS: Record<number, string> = {
  401: "X-API-Key",
  403: "X-API-Key",
  404: "(path)",
  405: "(method)",
  409: "(path)",
  413: "(body)",
  415: "Content-Type",
  422: "(body)",
};

export interface ProblemInit {
  detail?: string;
  errors?: FieldError[];
  /** A URI naming the problem kind; `about:blank` when the status says it all. */
  type?: string;
  title?: string;
  instance?: string;
}

export function problem(status: number, init: ProblemInit = {}): ProblemDetails {
  const details: ProblemDetails = {
    type: init.type ?? "about:blank",
    title: init.title ?? TITLES[status] ?? "Error",
    status,
  };
  if (init.detail !== undefined) details.detail = init.detail;
  if (init.instance !== undefined) details.instance = init.instance;
  const message = details.detail ?? details.title;
  if (init.errors !== undefined && init.errors.length > 0) details.errors = init.errors;
  else if (status >= 400 && status < 500)
    details.errors = [{ field: SUBJECTS[status] ?? "(request)", message }];
  details.message = message;
  return details;
}

/** Thrown anywhere in a request; the apps' error handler turns it into a response. */
export class ProblemError extends Error {
  readonly problem: ProblemDetails;
  readonly headers: Record<string, string>;

  constructor(status: number, init: ProblemInit = {}, headers: Record<string, string> = {}) {
    const details = problem(status, init);
    super(details.detail ?? details.title);
    this.name = "ProblemError";
    this.problem = details;
    this.headers = headers;
  }

  get status(): number {
    return this.problem.status;
  }
}

export function problemResponse(details: ProblemDetails, headers: HeadersInit = {}): Response {
  const out = new Headers(headers);
  out.set("content-type", PROBLEM_CONTENT_TYPE);
  return new Response(JSON.stringify(details), { status: details.status, headers: out });
}

/** Dotted path of a zod issue: `["payload", "tags", 0]` → `payload.tags[0]`; the root is `(root)`. */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Field errors from a zod error, one per issue, each naming its field. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ field: issuePath(issue.path), message: issue.message }));
}

/** `field: message; field: message` for logs and `detail`. */
export function describeFieldErrors(errors: FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join("; ");
}

/**
 * A configuration that cannot work, as both apps answer it: a 500 naming every bad key
 * (`title`: "Gateway misconfigured", "Router misconfigured"). Anything else is rethrown.
 */
export function misconfigured(error: unknown, title: string): never {
  if (error instanceof ConfigError) {
    throw new ProblemError(500, {
      title,
      detail: error.message,
      errors: error.issues.map((issue) => ({ field: issue.key, message: issue.message })),
    });
  }
  throw error;
}
