import type { RouterBindings } from "./config.js";
import type { Circuit, RouterSnapshot } from "./snapshot.js";

/** How long an isolate trusts its copy of the shared health state. */
const SNAPSHOT_TTL_MS = 500;
let cached: { snapshot: RouterSnapshot; at: number } | undefined;

/** The one health object every router isolate shares. */
export function healthObject(env: RouterBindings) {
  return env.HEALTH.get(env.HEALTH.idFromName("global"));
}

/** The shared snapshot, at most SNAPSHOT_TTL_MS old (a request must not wait on the object each time). */
export async function currentSnapshot(env: RouterBindings): Promise<RouterSnapshot> {
  if (cached && Date.now() - cached.at < SNAPSHOT_TTL_MS) return cached.snapshot;
  const snapshot = await healthObject(env).snapshot();
  cached = { snapshot, at: Date.now() };
  return snapshot;
}

/** This isolate stops using a failed region at once, before the shared state catches up. */
export function markLocally(regionId: string, circuit: Circuit): void {
  const region = cached?.snapshot.regions.find((r) => r.id === regionId);
  if (region) {
    region.circuit = circuit;
    region.healthy = circuit === "closed";
  }
}
