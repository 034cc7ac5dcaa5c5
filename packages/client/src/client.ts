import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./api.js";

/** A problem+json answer (RFC 9457): `errors[]` names each field at fault. */
export type Problem = components["schemas"]["Problem"];
export type Memory = components["schemas"]["Memory"];
export type ApiKey = components["schemas"]["ApiKey"];
export type DeadLetter = components["schemas"]["DeadLetter"];
export type SyncHealth = components["schemas"]["SyncHealth"];

/** A typed client of one gateway (or the router): every path, parameter and answer of the document. */
export type MemoriaClient = Client<paths>;

/** A gateway's answer that was not a success (or no answer at all: `status` 0), with its problem. */
export class GatewayProblem extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly problem: Problem,
  ) {
    const detail = problem.detail ?? problem.title;
    super(url ? `${url}: ${status} ${detail}` : detail);
    this.name = "GatewayProblem";
  }

  get detail(): string {
    return this.problem.detail ?? this.problem.title;
  }
}

export interface ClientOptions {
  /** The gateway's (or router's) origin: `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** Sent as `X-API-Key`; omit for the public routes. */
  apiKey?: string;
  /** Per request; 15 s by default. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createMemoriaClient(options: ClientOptions): MemoriaClient {
  const base = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    ...(options.apiKey ? { headers: { "x-api-key": options.apiKey } } : {}),
    fetch: (request: Request) => base(request, { signal: AbortSignal.timeout(timeoutMs) }),
  });
}

type Answer<D> = { data?: D; error?: unknown; response: Response };

/**
 * The data of a successful answer; otherwise a `GatewayProblem` carrying the answer's
 * problem (a body that is not one is kept as its `detail`), or status 0 when nothing
 * answered. Use: `const { memory } = await ok(client.GET("/memory/{id}", …))`.
 */
export async function ok<D>(pending: Promise<Answer<D>>): Promise<D> {
  let answer: Answer<D>;
  try {
    answer = await pending;
  } catch (error) {
    const detail = `unreachable: ${(error as Error).message}`;
    throw new GatewayProblem("", 0, {
      type: "about:blank",
      title: "Unreachable",
      status: 0,
      detail,
    });
  }
  const { response } = answer;
  if (response.ok) return answer.data as D;
  throw new GatewayProblem(response.url, response.status, asProblem(answer.error, response));
}

function asProblem(error: unknown, response: Response): Problem {
  if (typeof error === "object" && error !== null && "title" in error && "status" in error)
    return error as Problem;
  const text = typeof error === "string" ? error : JSON.stringify(error ?? "");
  return {
    type: "about:blank",
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: text.slice(0, 200),
  };
}
