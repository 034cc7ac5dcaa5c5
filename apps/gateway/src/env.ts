import { z } from "zod";

/**
 * The worker's bindings, parsed once at the edge of every request. Infrastructure
 * (where the regional store is, how to reach local endpoints in development) lives
 * here; everything an operator tunes is Memoria configuration (`memoria.toml` text in
 * `MEMORIA_TOML`, `MEMORIA_…` vars, `PATCH /settings`) and goes through sync-core's
 * schema instead.
 */
export const envSchema = z.object({
  /** Postgres URL of this region's store (a secret in production). */
  STORE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: "must be a postgres:// URL" }),
  /** Schema holding this region's tables; defaults to `memoria_<region>`. */
  STORE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .optional(),
  /** Connections the region's `StorePool` object keeps open to the store. @default 8 */
  STORE_POOL_MAX: z.coerce.number().int().min(1).max(100).optional(),
  /** The text of `memoria.toml`, when the deployment ships one. */
  MEMORIA_TOML: z.string().optional(),
  /**
   * Development only: the Neon WebSocket proxy and `/sql` endpoint in front of a local
   * Postgres (`pnpm services`). Unset in production, where Neon's own endpoints are used.
   */
  NEON_WS_PROXY: z.string().optional(),
  NEON_FETCH_ENDPOINT: z.url().optional(),
});
export type GatewayEnv = z.infer<typeof envSchema>;

/** Bindings as the runtime hands them over: the parsed vars plus objects (DO namespaces). */
export interface Bindings extends Partial<Record<keyof GatewayEnv, string>> {
  SYNC_PULLER: DurableObjectNamespace<import("./sync/puller.js").SyncPuller>;
  /** The region's store connections, kept open across requests (`store-pool/host.ts`). */
  STORE_POOL: DurableObjectNamespace<import("./store-pool/host.js").StorePool>;
  [name: string]: unknown;
}

/** String vars only: the input `loadConfig` reads `MEMORIA_…`, `DECREMENT_TZ`, `DISABLE_SCHEDULERS` from. */
export function stringVars(bindings: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(bindings).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}
