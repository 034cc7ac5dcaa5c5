import type { MemoriaConfig } from "@memoria/sync-core";

/**
 * Which routes need what. Every route needs a credential except these; each route group
 * then names the scope it needs (`requireScope` in its `index.ts`).
 */

/** Anyone: readiness for load balancers, and the wake hint (authenticated by its HMAC). */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/healthz", "/sync/wake"]);

/**
 * Any valid credential of this namespace, including `auth.monitor_key`: they show the
 * namespace, band and peers but no memory. Anyone when `auth.public_health = true`.
 */
export const MONITOR_PATHS: ReadonlySet<string> = new Set(["/health/sync", "/metrics"]);

export type Access = "public" | "monitor" | "scoped";

export function accessFor(path: string, config: Pick<MemoriaConfig, "auth">): Access {
  if (PUBLIC_PATHS.has(path)) return "public";
  if (MONITOR_PATHS.has(path)) return config.auth.public_health ? "public" : "monitor";
  return "scoped";
}
