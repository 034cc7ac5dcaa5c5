import type { ApiScope } from "@memoria/sync-core";

/**
 * Who made a request, once its credential is checked:
 * - `root`: `api_key` (MEMORIA_API_KEY), every scope and team, as upstream;
 * - `key`: an API key made with `POST /admin/keys`;
 * - `monitor`: `auth.monitor_key` (the router's probes, a scraper): no scope, reads
 *   `/health/sync` and `/metrics` only;
 * - `anonymous`: a public route (`/healthz`, `/sync/wake`, health when opted in).
 */
export interface Principal {
  kind: "root" | "key" | "monitor" | "anonymous";
  /** The key's id (`root`, `monitor` for the configured secrets). */
  id: string;
  /** What logs may show of the key. */
  prefix: string | null;
  scopes: readonly ApiScope[];
  /** The teams whose records it may see; `undefined` for every team. */
  teams: readonly string[] | undefined;
}

export const ANONYMOUS: Principal = {
  kind: "anonymous",
  id: "anonymous",
  prefix: null,
  scopes: [],
  teams: undefined,
};
