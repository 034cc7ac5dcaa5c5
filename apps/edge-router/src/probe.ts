import { PROBE_HEADER, type RegionConfig, syncHealthSchema } from "@memoria/sync-core";
import { linkTo } from "./config.js";
import { upstreamUrl } from "./forward.js";
import type { ProbeOutcome } from "./region-state.js";

const PROBE_TIMEOUT_MS = 2_000;

/** Asks a region for its `/health/sync` and reads the answer with the contract's schema. */
export async function probeRegion(
  region: RegionConfig,
  bindings: Record<string, unknown>,
): Promise<ProbeOutcome> {
  try {
    const link = linkTo(region, bindings);
    const response = await link.fetch(
      new Request(upstreamUrl(link.base, "/health/sync"), {
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        headers: { [PROBE_HEADER]: "router" },
      }),
    );
    const body: unknown = await response.json().catch(() => null);
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
