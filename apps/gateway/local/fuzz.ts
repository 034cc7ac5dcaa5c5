import { configKeys, IDEMPOTENCY_KEY_HEADER, SYNC_TOKEN_HEADER } from "@memoria/sync-core";
import fc from "fast-check";
import { type JsonSchema, type Schemas, schemaArbitrary } from "./fuzz-schema.js";
import { gatewayDocument } from "./openapi.js";
import { type RouteCase, routeCases } from "./routes.js";

/**
 * Dev/test only: generated requests for every operation of the gateway's OpenAPI document
 * (itself generated from the routes' zod schemas, and equal to the app's route table by
 * test, so a new route is fuzzed without a line here), valid and hostile. Valid: path
 * parameters, queries, headers and bodies drawn from the operation's own schemas, also
 * with one member made hostile. Hostile: bodies (wrong types, huge numbers, NaN-ish
 * strings, NUL and lone surrogates, deep nesting, prototype keys), queries, headers
 * (credentials, content type, sync token, idempotency key) and raw framing.
 * `answerViolation` says what a gateway must never answer.
 */

interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  schema: JsonSchema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

/** One operation of the document, with the auth matrix's harmless request for it. */
export interface FuzzOperation extends RouteCase {
  /** As the document names it (`/memory/{id}`). */
  template: string;
  operation: Operation;
}

/** Every operation of the document; throws on one the route table has no case for. */
export function fuzzOperations(): { operations: FuzzOperation[]; schemas: Schemas } {
  const document = gatewayDocument() as unknown as {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Schemas };
  };
  const cases = new Map(routeCases().map((c) => [`${c.method} ${c.route}`, c]));
  const operations = Object.entries(document.paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, operation]) => {
      const name = `${method.toUpperCase()} ${template.replace(/\{([^}]+)\}/g, ":$1")}`;
      const known = cases.get(name);
      if (!known) throw new Error(`${name} is in the OpenAPI document but not the route table`);
      return { ...known, template, operation };
    }),
  );
  return { operations, schemas: document.components.schemas };
}

export interface FuzzCredentials {
  /** The root key: every scope, every team. */
  admin: string;
  /** Read and write, bound to one team: it cannot reach the records a fuzz run must keep. */
  teamWriter: string;
  /** Read only, every team. */
  reader: string;
  monitor: string;
}

export interface FuzzContext {
  credentials: FuzzCredentials;
  /** Ids that exist (the records the run must keep), to aim reads and refused writes at. */
  ids: string[];
  /** Region ids of the deployment, for sync tokens that name one. */
  regions: string[];
}

export interface FuzzRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The route it was made from (`POST /memory`), for the report. */
  route: string;
  /** Drawn from the operation's own schemas (else hostile). */
  valid?: true;
}

/** Every name the API reads anywhere (the document's parameters and body members): sent to every route, where most are unknown. */
function knownNames(operations: FuzzOperation[]): string[] {
  const names = operations.flatMap(({ operation }) => [
    ...(operation.parameters ?? []).map((p) => p.name),
    ...Object.keys(operation.requestBody?.content["application/json"]?.schema.properties ?? {}),
  ]);
  return [...new Set([...names, ...configKeys(), "from", "at"])];
}

const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"];

/** Hostile strings short enough for a URL or a header (runtimes refuse long ones before any code runs). */
const shortHostile: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "a\u0000b",
    "\u0000",
    "x\ud800",
    "\udc00y",
    "\ud83e\udde0",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "-0",
    "0x10",
    "null",
    "true",
    "[]",
    "{}",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:59:59.999Z",
    "+010000-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-06-01T12:00:00Z",
    "2026-06-01 12:00",
    "../../etc/passwd",
    "%00",
    "' or 1=1 --",
    '"; drop table memories; --',
    "fuzz",
    "seed",
    "team-fuzz",
    "personal",
    "3d",
  ),
  ...PROTO_KEYS.map((key) => fc.constant(key)),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 257, max: 1_000 }).map((n) => "x".repeat(n)),
);

/** Hostile strings for bodies: also far past every length limit. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 9, arbitrary: shortHostile },
  fc.integer({ min: 1_000, max: 70_000 }).map((n) => "x".repeat(n)),
);

const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1,
    -1,
    5,
    15,
    15.0000001,
    16,
    -16,
    1e9,
    1e308,
    -1e308,
    2 ** 53 + 2,
    5e-324,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
);

const { value: hostileValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.array(fc.tuple(fc.string({ maxLength: 8 }), tie("value")), { maxLength: 3 }).map(objectOf),
  ),
}));

/** `{...}` from entries, as text: duplicate and `__proto__` keys survive exactly as generated. */
function objectText(entries: Array<[string, unknown]>): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"}`).join(",")}}`;
}

function objectOf(entries: Array<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries)
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

function bodyText(route: RouteCase, names: string[]): fc.Arbitrary<string | undefined> {
  const base = Object.entries((route.json as Record<string, unknown> | undefined) ?? {});
  const name = fc.oneof(fc.constantFrom(...names), fc.constantFrom(...PROTO_KEYS), hostileString);
  return fc.oneof(
    // The route's own good body, with generated fields set, added or repeated.
    fc
      .array(fc.tuple(name, hostileValue), { minLength: 1, maxLength: 5 })
      .map((extra) => objectText([...base, ...extra])),
    fc.constant(route.json === undefined ? undefined : JSON.stringify(route.json)),
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
    hostileValue.map((value) => JSON.stringify(value) ?? "null"),
    fc.integer({ min: 1, max: 20_000 }).map((n) => "[".repeat(n) + "]".repeat(n)),
    fc.integer({ min: 1, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`),
    fc.constantFrom("", "{", '{"text":', "not json", "\u0000", '{"text":"a"}garbage', "NaN"),
    fc.constant(JSON.stringify({ text: "x".repeat(300_000), y: 1 })),
    fc.constant(undefined),
  );
}

/** Header values a client can send: visible ASCII and spaces (fetch refuses the rest). */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map(String.fromCharCode),
  maxLength: 80,
});

function syncToken(regions: string[]): fc.Arbitrary<string> {
  const wall = fc.oneof(fc.constant(Date.now()), fc.integer({ min: 0, max: 999_999_999_999_999 }));
  return fc.oneof(
    fc
      .tuple(wall, fc.integer({ min: 0, max: 99_999 }), fc.constantFrom(...regions, "region-z"))
      .map(([w, c, r]) => `${String(w).padStart(15, "0")}:${String(c).padStart(5, "0")}:${r}`),
    headerText,
  );
}

function headersFor(context: FuzzContext, hasBody: boolean): fc.Arbitrary<Record<string, string>> {
  const { credentials } = context;
  const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
  return fc
    .record({
      // Mostly keys that get past authentication, so the routes themselves see the input.
      auth: fc.oneof(
        { weight: 3, arbitrary: fc.constant<[string, string]>(["x-api-key", credentials.admin]) },
        {
          weight: 3,
          arbitrary: fc.constant<[string, string]>(["x-api-key", credentials.teamWriter]),
        },
        { weight: 2, arbitrary: fc.constant<[string, string]>(["x-api-key", credentials.reader]) },
        fc.constantFrom<[string, string] | undefined>(
          undefined,
          ["x-api-key", credentials.monitor],
          ["authorization", `Bearer ${credentials.teamWriter}`],
          ["authorization", "Bearer"],
          ["x-api-key", `${credentials.admin}x`],
        ),
        headerText.map((text): [string, string] => ["x-api-key", text]),
      ),
      type: hasBody
        ? fc.oneof(
            fc.constantFrom(
              "application/json",
              "application/json; charset=utf-8",
              "application/merge-patch+json",
              "text/plain",
              "",
              "multipart/form-data; boundary=x",
            ),
            headerText,
          )
        : fc.constant(undefined),
      token: optional(syncToken(context.regions)),
      idempotency: optional(fc.oneof(fc.uuid(), headerText, fc.constant("k".repeat(300)))),
    })
    .map(({ auth, type, token, idempotency }) => {
      const headers: Record<string, string> = {};
      if (auth) headers[auth[0]] = auth[1];
      if (type !== undefined) headers["content-type"] = type;
      if (token !== undefined) headers[SYNC_TOKEN_HEADER] = token;
      if (idempotency !== undefined) headers[IDEMPOTENCY_KEY_HEADER] = idempotency;
      return headers;
    });
}

function pathFor(route: RouteCase, context: FuzzContext, names: string[]): fc.Arbitrary<string> {
  const param = fc.oneof(
    fc.constantFrom(...context.ids),
    fc.uuid(),
    shortHostile.map(percentEncoded),
    fc.constantFrom("..", "%2e%2e", "%00", "%ZZ", "a/b", "%ED%A0%80", "%C0%80", "%FF", "%"),
  );
  // Raw bytes a client may put in a URL that no string encodes to: bad UTF-8, a lone `%`.
  const rawBytes = fc.constantFrom("%ED%A0%80", "%C0%80", "%FF", "%", "%0", "%00");
  const queryValue = fc.oneof(
    shortHostile.map(percentEncoded),
    hostileNumber.map((n) => percentEncoded(String(n))),
    fc.constantFrom("WyJub3QgYSBkYXRlIiwieCJd", "1-0", "garbage"),
    rawBytes,
  );
  const queryName = fc.oneof(
    fc.constantFrom(...names).map(percentEncoded),
    shortHostile.map(percentEncoded),
    rawBytes,
  );
  const query = fc.array(fc.tuple(queryName, queryValue), { maxLength: 4 });
  return fc
    .record({ params: fc.array(param, { minLength: 2, maxLength: 2 }), query, keep: fc.boolean() })
    .map(({ params, query: pairs, keep }) => {
      let i = 0;
      const path = route.route.replace(/:[A-Za-z]+/g, () => params[i++] as string);
      const base = keep ? route.path : path;
      const encoded = pairs.map(([k, v]) => `${k}=${v}`);
      if (encoded.length === 0) return base;
      return `${base}${base.includes("?") ? "&" : "?"}${encoded.join("&")}`;
    });
}

/**
 * Requests that may change what a run keeps are sent only in forms that must be refused:
 * with the root key, a settings patch always carries an unknown key (a patch is refused
 * whole), and a memory write goes with the team-bound writer's key instead (it cannot
 * reach another team's records). Judged by the method and path actually sent.
 */
function defused(request: FuzzRequest, context: FuzzContext): FuzzRequest {
  const { admin, teamWriter } = context.credentials;
  if (request.headers["x-api-key"] !== admin) return request;
  const path = request.path.split("?")[0] ?? "";
  const writes = !["GET", "HEAD", "OPTIONS"].includes(request.method);
  if (writes && path.startsWith("/settings") && request.body !== undefined)
    return { ...request, body: withUnknownKey(request.body) };
  if (writes && path.startsWith("/memory"))
    return { ...request, headers: { ...request.headers, "x-api-key": teamWriter } };
  return request;
}

function withUnknownKey(body: string): string {
  if (!body.trimStart().startsWith("{")) return body;
  const rest = body.trimStart().slice(1).trimStart();
  return `{"fuzz.not_a_setting":1${rest.startsWith("}") ? "" : ","}${rest}`;
}

/** Percent-encoded; a lone surrogate (which has no UTF-8) as the bytes a naive encoder would send. */
function percentEncoded(text: string): string {
  return text
    .split(/([\uD800-\uDFFF])/u)
    .map((part) =>
      /^[\uD800-\uDFFF]$/u.test(part)
        ? [
            0xe0 | (part.charCodeAt(0) >> 12),
            0x80 | ((part.charCodeAt(0) >> 6) & 0x3f),
            0x80 | (part.charCodeAt(0) & 0x3f),
          ]
            .map((byte) => `%${byte.toString(16).toUpperCase()}`)
            .join("")
        : encodeURIComponent(part),
    )
    .join("");
}

/** One generated request for any operation of the document: a third valid by its schemas, the rest hostile. */
export function fuzzRequest(context: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const { operations, schemas } = fuzzOperations();
  const names = knownNames(operations);
  // Built once per operation (not per draw): sampling stays cheap next to sending.
  return fc.oneof(
    ...operations.map((op) =>
      fc.oneof(
        { weight: 2, arbitrary: hostileRequest(op, context, names) },
        { weight: 1, arbitrary: validRequest(op, context, names, schemas) },
      ),
    ),
  );
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

function hostileRequest(
  route: FuzzOperation,
  context: FuzzContext,
  names: string[],
): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constant(route.method) },
        fc.constantFrom(...METHODS),
      ),
      path: pathFor(route, context, names),
      body: bodyText(route, names),
    })
    .chain(({ method, path, body }) => {
      const sendsBody = body !== undefined && method !== "GET" && method !== "HEAD";
      return headersFor(context, sendsBody).map((headers) =>
        defused(
          {
            method,
            path,
            headers,
            ...(sendsBody ? { body } : {}),
            route: `${route.method} ${route.route}`,
          },
          context,
        ),
      );
    });
}

/**
 * A request as the document describes it: path parameters (or ids that exist), query and
 * header parameters and a JSON body drawn from the operation's schemas; the body sometimes
 * with one member set to a hostile value.
 */
function validRequest(
  op: FuzzOperation,
  context: FuzzContext,
  names: string[],
  schemas: Schemas,
): fc.Arbitrary<FuzzRequest> {
  const params = op.operation.parameters ?? [];
  const drawn = (where: Parameter["in"]) =>
    fc.tuple(
      ...params
        .filter((p) => p.in === where)
        .map((p) =>
          fc
            .option(schemaArbitrary(p.schema, schemas), { nil: undefined, freq: 3 })
            .map((value) => [p.name, value] as const),
        ),
    );
  const path = fc
    .array(fc.oneof(fc.constantFrom(...context.ids), fc.uuid()), { minLength: 2, maxLength: 2 })
    .map((ids) => {
      let i = 0;
      return op.template.replace(/\{[^}]+\}/g, () => ids[i++] as string);
    });
  const body = validBody(op, names, schemas);
  return fc
    .record({
      path,
      query: drawn("query"),
      header: drawn("header"),
      body,
      base: headersFor(context, false),
    })
    .map(({ path: at, query, header, body: text, base }) => {
      const headers: Record<string, string> = { ...base };
      for (const [name, value] of header) if (value != null) headers[name] = String(value);
      if (text !== undefined) headers["content-type"] = "application/json";
      const search = queryText(query);
      return defused(
        {
          method: op.method,
          path: search ? `${at}?${search}` : at,
          headers,
          ...(text !== undefined ? { body: text } : {}),
          route: `${op.method} ${op.route}`,
          valid: true,
        },
        context,
      );
    });
}

/** The operation's JSON body from its schema, sometimes with one member hostile. */
function validBody(
  op: FuzzOperation,
  names: string[],
  schemas: Schemas,
): fc.Arbitrary<string | undefined> {
  const schema = op.operation.requestBody?.content["application/json"]?.schema;
  return schema
    ? fc.oneof(
        { weight: 3, arbitrary: schemaArbitrary(schema, schemas).map((v) => JSON.stringify(v)) },
        fc
          .tuple(schemaArbitrary(schema, schemas), fc.constantFrom(...names), hostileValue)
          .map(([value, name, bad]) =>
            typeof value === "object" && value !== null && !Array.isArray(value)
              ? objectText([...Object.entries(value), [name, bad]])
              : JSON.stringify(value),
          ),
      )
    : fc.constant(undefined);
}

/** `name=value` pairs; a list as the parameter repeated (upstream's `getlist`). */
function queryText(pairs: ReadonlyArray<readonly [string, unknown]>): string {
  return pairs
    .flatMap(([name, value]) =>
      value == null
        ? []
        : (Array.isArray(value) ? value : [value]).map(
            (item) => `${encodeURIComponent(name)}=${encodeURIComponent(String(item))}`,
          ),
    )
    .join("&");
}

/**
 * What a gateway (or the router in front) must never answer: a 5xx, or a 4xx that is not a
 * problem+json naming at least one field. `null` when the answer is fine.
 */
export async function answerViolation(response: Response, method: string): Promise<string | null> {
  const text = await response.text();
  if (response.status >= 500) return `${response.status}: ${text.slice(0, 300)}`;
  if (response.status < 400) return null;
  if (response.headers.get("content-type") !== "application/problem+json")
    return `${response.status} as ${response.headers.get("content-type")}: ${text.slice(0, 200)}`;
  // A HEAD answer has the headers of a GET and no body to read.
  if (method === "HEAD") return null;
  let problem: { status?: unknown; errors?: Array<{ field?: unknown }> };
  try {
    problem = JSON.parse(text);
  } catch {
    return `${response.status} problem is not JSON: ${text.slice(0, 200)}`;
  }
  if (problem.status !== response.status)
    return `problem.status ${problem.status} on a ${response.status}`;
  const named = problem.errors?.some((e) => typeof e.field === "string" && e.field.length > 0);
  return named ? null : `${response.status} names no field: ${text.slice(0, 200)}`;
}

/**
 * Raw framing for `node:net`: a request line and headers, then a body that is chunked
 * wrong, shorter than its Content-Length, or both framings at once. The connection is
 * half-closed after it, so a server waiting for more bytes sees the end instead.
 */
export function fuzzFraming(apiKey: string): fc.Arbitrary<string> {
  const head = (framing: string) =>
    `POST /memory HTTP/1.1\r\nhost: fuzz.test\r\nx-api-key: ${apiKey}\r\ncontent-type: application/json\r\nconnection: close\r\n${framing}\r\n`;
  const json = fc.constantFrom('{"text":"framing","y":1}', '{"text":"a\\u0000"}', "{");
  return fc.oneof(
    fc
      .tuple(
        fc.oneof(
          fc.constantFrom("zz", "-1", "ffffffffffffffffff", "", " 5", "5;x=\u0000"),
          fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF"), maxLength: 4 }),
        ),
        json,
      )
      // A size that happens to be right would frame a good request: those are left out.
      .filter(([size, body]) => Number.parseInt(size, 16) !== body.length)
      .map(
        ([size, body]) =>
          `${head("transfer-encoding: chunked\r\n")}${size}\r\n${body}\r\n0\r\n\r\n`,
      ),
    fc
      .tuple(json, fc.integer({ min: 1, max: 5000 }))
      .map(([body, extra]) => `${head(`content-length: ${body.length + extra}\r\n`)}${body}`),
    json.map(
      (body) =>
        `${head("transfer-encoding: chunked\r\n")}${(body.length + 7).toString(16)}\r\n${body}`,
    ),
  );
}
