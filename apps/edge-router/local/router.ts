import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleWorker } from "@memoria/gateway/local/bundle";
import { LOCAL_CF } from "@memoria/gateway/local/region";
import { Miniflare } from "miniflare";

export const ROUTER_ENTRY = fileURLToPath(new URL("../src/worker.ts", import.meta.url));
export const ROUTER_BUNDLE = fileURLToPath(new URL("../dist/worker.js", import.meta.url));

export function bundleRouter(): Promise<string> {
  return bundleWorker(ROUTER_ENTRY, ROUTER_BUNDLE);
}

export interface RunningRouter {
  url: string;
  mf: Miniflare;
  /** A request as a client at `cf` would send it (`request.cf` injected). */
  fetch(
    path: string,
    init?: RequestInit & { cf?: Record<string, unknown>; anonymous?: boolean },
  ): Promise<Response>;
  scheduled(): Promise<void>;
  stop(): Promise<void>;
}

/** Dev/test only: the router in workerd on a loopback port, in front of the regions in `regions`. */
export async function startRouter(options: {
  port?: number;
  regions: unknown[];
  vars?: Record<string, string>;
  /**
   * Sent as `X-API-Key` by `fetch` when a request carries no credential of its own (pass
   * `anonymous: true` to send none). Not a router binding: the router only forwards it.
   */
  apiKey?: string;
  /** The regions' `auth.monitor_key`: the router's probe credential (`MEMORIA_AUTH__MONITOR_KEY`). */
  monitorKey?: string;
  /** Service bindings to regions (name → the region's loopback address), instead of URLs. */
  serviceBindings?: Record<string, string>;
}): Promise<RunningRouter> {
  const mf = new Miniflare({
    name: "edge-router",
    modules: true,
    scriptPath: ROUTER_BUNDLE,
    modulesRoot: dirname(ROUTER_BUNDLE),
    compatibilityDate: "2026-04-26",
    bindings: {
      MEMORIA_REGIONS: JSON.stringify(options.regions),
      ...(options.monitorKey ? { MEMORIA_AUTH__MONITOR_KEY: options.monitorKey } : {}),
      ...options.vars,
    },
    durableObjects: { HEALTH: { className: "RegionHealth", useSQLite: true } },
    serviceBindings: Object.fromEntries(
      Object.entries(options.serviceBindings ?? {}).map(([name, address]) => [
        name,
        { external: { address, http: {} } },
      ]),
    ),
    cf: LOCAL_CF,
    host: "127.0.0.1",
    port: options.port ?? 0,
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return {
    url,
    mf,
    fetch: clientFetch(mf, url, options.apiKey),
    async scheduled() {
      await (await mf.getWorker()).scheduled({ cron: "* * * * *" });
    },
    async stop() {
      await mf.dispose();
    },
  };
}

/** `RunningRouter.fetch`: `request.cf` injected, and `apiKey` sent unless the request has a credential. */
function clientFetch(
  mf: Miniflare,
  url: string,
  apiKey: string | undefined,
): RunningRouter["fetch"] {
  return async (path, init = {}) => {
    const { cf, anonymous, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (apiKey && !anonymous && !headers.has("x-api-key") && !headers.has("authorization"))
      headers.set("x-api-key", apiKey);
    // dispatchFetch returns Miniflare's own Response type; the tests read it like a fetch Response.
    return (await mf.dispatchFetch(`${url}${path}`, {
      ...(rest as object),
      headers: Object.fromEntries(headers),
      ...(cf ? { cf } : {}),
    })) as unknown as Response;
  };
}
