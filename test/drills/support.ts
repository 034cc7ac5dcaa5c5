/** What the drills do to regions, as a client or an operator would. */

export type Memory = { id: string; text: string; y: number };

export interface Written {
  status: number;
  memory: Memory;
  region: string | null;
}

/**
 * `fetch`, `post` and `memoryIds` as a client holding `apiKey` makes them: every route
 * but `/healthz` needs a credential, and the drills act as the operator.
 */
export function drillClient(apiKey: string) {
  const keyed: typeof fetch = (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("x-api-key")) headers.set("x-api-key", apiKey);
    return fetch(input, { ...init, headers });
  };
  return {
    fetch: keyed,
    post: (base: string, body: Record<string, unknown>, idempotencyKey?: string) =>
      post(keyed, base, body, idempotencyKey),
    memoryIds: (base: string) => memoryIds(keyed, base),
  };
}

async function post(
  fetch: typeof globalThis.fetch,
  base: string,
  body: Record<string, unknown>,
  idempotencyKey?: string,
): Promise<Written> {
  const response = await fetch(`${base}/memory`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { memory?: Memory };
  return {
    status: response.status,
    memory: json.memory as Memory,
    region: response.headers.get("x-memoria-region"),
  };
}

async function memoryIds(fetch: typeof globalThis.fetch, base: string): Promise<Set<string>> {
  const page = (await (await fetch(`${base}/memory?limit=200`)).json()) as { items: Memory[] };
  return new Set(page.items.map((m) => m.id));
}

/** Polls until `check` returns a value; errors count as "not yet". Bounded by `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
