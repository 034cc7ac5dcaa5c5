import { createMemoriaClient, ok } from "@memoria/client";
import { type SyncBackend, syncHealthSchema } from "@memoria/sync-core";

export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * The playbook's sync health smoke test: every region answers `/health/sync` on the
 * expected backend, ready, transport reachable; then a public marker written in the
 * first region appears in every other one (the sync heartbeat), within `timeoutMs`.
 */
export async function smoke(options: {
  topology: SyncBackend;
  regions: string[];
  /** A key with read and write (the root key will do): every route but /healthz needs one. */
  apiKey: string;
  timeoutMs?: number;
}): Promise<SmokeCheck[]> {
  const checks: SmokeCheck[] = [];
  const { apiKey } = options;
  for (const url of options.regions) checks.push(await healthCheck(url, options.topology, apiKey));
  const [first, ...others] = options.regions;
  if (first === undefined || checks.some((check) => !check.ok)) return checks;
  const marker = `memoria smoke ${new Date().toISOString()} ${crypto.randomUUID()}`;
  const started = Date.now();
  const writer = createMemoriaClient({ baseUrl: first, apiKey });
  const { memory } = await ok(
    writer.POST("/memory", { body: { text: marker, y: 1, anchor: "smoke" } }),
  );
  const timeoutMs = options.timeoutMs ?? 15_000;
  for (const url of others)
    checks.push(await heartbeat(url, memory.id, started, timeoutMs, apiKey));
  await ok(writer.DELETE("/memory/{id}", { params: { path: { id: memory.id } } })).catch(
    () => undefined,
  );
  return checks;
}

/** One region on the expected backend, ready, its transport reachable. */
async function healthCheck(url: string, backend: SyncBackend, apiKey: string): Promise<SmokeCheck> {
  try {
    // Parsed with the gateway's own schema: a body that drifted fails here, named.
    const client = createMemoriaClient({ baseUrl: url, apiKey });
    const health = syncHealthSchema.parse(await ok(client.GET("/health/sync")));
    const problems = [
      health.backend !== backend ? `backend is ${health.backend}` : "",
      health.ready ? "" : "not ready",
      health.transport?.reachable
        ? ""
        : `transport unreachable${health.transport?.error ? `: ${health.transport.error}` : ""}`,
    ].filter(Boolean);
    return {
      name: `${health.region} health`,
      ok: problems.length === 0,
      detail:
        problems.length === 0
          ? `${health.backend}, ${health.role}, lag ${health.lag.events} events / ${health.lag.seconds.toFixed(1)} s`
          : problems.join("; "),
    };
  } catch (error) {
    return { name: `${url} health`, ok: false, detail: (error as Error).message };
  }
}

/** Polls a region until the marker written elsewhere is there, or the deadline passes. */
async function heartbeat(
  url: string,
  id: string,
  started: number,
  timeoutMs: number,
  apiKey: string,
): Promise<SmokeCheck> {
  const deadline = started + timeoutMs;
  const client = createMemoriaClient({ baseUrl: url, apiKey });
  let seen = false;
  while (!seen && Date.now() < deadline) {
    seen = await ok(client.GET("/memory/{id}", { params: { path: { id } } })).then(
      () => true,
      () => false,
    );
    if (!seen) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name: `heartbeat → ${url}`,
    ok: seen,
    detail: seen
      ? `marker arrived in ${Date.now() - started} ms`
      : `marker not there after ${timeoutMs} ms`,
  };
}
