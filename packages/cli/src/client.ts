/**
 * Talking to a gateway untyped: JSON in, JSON or problem+json out, bounded in time. Only
 * `sync catch-up` still calls it; every other command uses the typed client
 * (`@memoria/client`), and catch-up's page is `catchUpPage(createMemoriaClient(…), body)`
 * there, whose `GatewayProblem` carries the same url, status and detail.
 */
export class GatewayError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`${url}: ${status} ${detail}`);
    this.name = "GatewayError";
  }
}

export async function callGateway<T>(
  url: string,
  init: RequestInit & { json?: unknown; apiKey?: string; timeoutMs?: number } = {},
): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  if (init.apiKey) headers.set("x-api-key", init.apiKey);
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers,
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
      signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
    });
  } catch (error) {
    throw new GatewayError(url, 0, `unreachable: ${(error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the message
  }
  if (!response.ok) {
    const detail =
      typeof body === "object" && body !== null && "detail" in body
        ? String((body as { detail: unknown }).detail)
        : text.slice(0, 200);
    throw new GatewayError(url, response.status, detail);
  }
  return body as T;
}
