import { PROBE_HEADER, type RegionConfig, syncHealthSchema } from "@memoria/sync-core";
import { linkTo, routerConfig } from "./config.js";
import { upstreamUrl } from "./forward.js";
import type { ProbeOutcome } from "./region-state.js";

const PROBE_TIMEOUT_MS = 2_000;

/**
 * Asks a region for its `/health/sync` and reads the answer with the contract's schema.
 * Regions keep that page for credentials: the router sends `auth.monitor_key` (a secret
 * binding, `MEMORIA_AUTH__MONITOR_KEY`, the same value as the regions'), which reads
 * health and metrics and nothing else.
 */
export async function probeRegion(
  region: RegionConfig,
  bindings: Record<string, unknown>,
): Promise<ProbeOutcome> {
  try {
    const link = linkTo(region, bindings);
    const response = await link.fetch(
      new Request(upstreamUrl(link.base, "/health/sync"), {
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        headers: probeHeaders(bindings),
      }),
    );
    const body: unknown = await response.json().catch(() => null);
    if (response.status === 401 || response.status === 403) {
      return {
        ok: false,
        error: `/health/sync refused the router's probe (${response.status}): set MEMORIA_AUTH__MONITOR_KEY on the router to the regions' auth.monitor_key`,
      };
    }
    if (!response.ok || body === null) {
      return { ok: false, error: `/health/sync answered ${response.status}` };
    }
    const parsed = syncHealthSchema.safeParse(body);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "(body)");
      return {
        ok: false,
        error: `/health/sync answered an unexpected body (${fields.join(", ")})`,
      };
    }
    return { ok: true, health: parsed.data };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

function probeHeaders(bindings: Record<string, unknown>): Record<string, string> {
  const key = routerConfig(bindings).config.auth.monitor_key;
  return { [PROBE_HEADER]: "router", ...(key === undefined ? {} : { "x-api-key": key }) };
}
