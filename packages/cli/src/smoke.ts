import { callGateway } from "./client.js";

export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail: string;
}

interface HealthSync {
  region: string;
  backend: string;
  ready: boolean;
  role: string;
  transport: { reachable: boolean; error?: string } | null;
  lag: { events: number; seconds: number };
}

/**
 * The playbook's sync health smoke test: every region answers `/health/sync` on the
 * expected backend, ready, transport reachable; then a public marker written in the
 * first region appears in every other one (the sync heartbeat), within `timeoutMs`.
 */
export async function smoke(options: {
  topology: "redis" | "postgres";
  regions: string[];
  timeoutMs?: number;
}): Promise<SmokeCheck[]> {
  const checks: SmokeCheck[] = [];
  const healths: HealthSync[] = [];
  for (const url of options.regions) {
    try {
      const health = await callGateway<HealthSync>(new URL("/health/sync", url).toString());
      healths.push(health);
      const problems = [
        health.backend !== options.topology ? `backend is ${health.backend}` : "",
        health.ready ? "" : "not ready",
        health.transport?.reachable
          ? ""
          : `transport unreachable${health.transport?.error ? `: ${health.transport.error}` : ""}`,
      ].filter(Boolean);
      checks.push({
        name: `${health.region} health`,
        ok: problems.length === 0,
        detail:
          problems.length === 0
            ? `${health.backend}, ${health.role}, lag ${health.lag.events} events / ${health.lag.seconds.toFixed(1)} s`
            : problems.join("; "),
      });
    } catch (error) {
      checks.push({ name: `${url} health`, ok: false, detail: (error as Error).message });
    }
  }
  const [first, ...others] = options.regions;
  if (first === undefined || checks.some((check) => !check.ok)) return checks;
  const marker = `memoria smoke ${new Date().toISOString()} ${crypto.randomUUID()}`;
  const started = Date.now();
  const { memory } = await callGateway<{ memory: { id: string } }>(
    new URL("/memory", first).toString(),
    { method: "POST", json: { text: marker, y: 1, anchor: "smoke" } },
  );
  for (const url of others) {
    const deadline = started + (options.timeoutMs ?? 15_000);
    let seen = false;
    while (!seen && Date.now() < deadline) {
      seen = await callGateway(new URL(`/memory/${memory.id}`, url).toString()).then(
        () => true,
        () => false,
      );
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    checks.push({
      name: `heartbeat → ${url}`,
      ok: seen,
      detail: seen
        ? `marker arrived in ${Date.now() - started} ms`
        : `marker not there after ${options.timeoutMs ?? 15_000} ms`,
    });
  }
  await callGateway(new URL(`/memory/${memory.id}`, first).toString(), { method: "DELETE" }).catch(
    () => undefined,
  );
  return checks;
}
