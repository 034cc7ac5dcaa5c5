/**
 * Runtime-neutral helpers for code that talks to the local endpoints: safe to
 * import in workerd (no Node built-ins), unlike the package root.
 * Import as `@memoria/local-services/client`.
 */
import type { NeonConfig } from "@neondatabase/serverless";

/** Where a local Neon endpoint answers (what `startNeonEndpoint` returns). */
export interface LocalNeonTarget {
  /** `127.0.0.1:<port>/v2` */
  wsProxy: string;
  /** `http://127.0.0.1:<port>/sql` */
  fetchEndpoint: string;
}

/** The settable part of `neonConfig` this helper touches. */
export type NeonConfigTarget = Pick<
  NeonConfig,
  | "wsProxy"
  | "useSecureWebSocket"
  | "pipelineConnect"
  | "pipelineTLS"
  | "forceDisablePgSSL"
  | "fetchEndpoint"
  | "webSocketConstructor"
>;

export interface ConfigureNeonOptions {
  /**
   * The WebSocket class. Needed in Node 20, which has no global WebSocket: pass
   * `ws`'s default export. @default globalThis.WebSocket (workerd, Node ≥ 22)
   */
  webSocketConstructor?: NeonConfig["webSocketConstructor"];
}

/**
 * Points `@neondatabase/serverless` at a local Neon endpoint: pass the
 * driver's own `neonConfig` (so the instance you configure is the one you use).
 *
 * - `wsProxy`: `127.0.0.1:<port>/v2`, the driver appends `?address=host:port`;
 * - `useSecureWebSocket = false`: plain `ws://` on loopback;
 * - `pipelineConnect = false`: the default sends the password before the server
 *   asks, which a trust-auth Postgres does not expect;
 * - `pipelineTLS = false`, `forceDisablePgSSL = true`: no TLS anywhere;
 * - `fetchEndpoint`: `http://127.0.0.1:<port>/sql` for `neon()`.
 *
 * @example
 * import { neonConfig, Pool } from "@neondatabase/serverless";
 * import ws from "ws"; // Node 20 only
 * configureNeonForLocal(neonConfig, services.neon, { webSocketConstructor: ws });
 */
export function configureNeonForLocal(
  neonConfig: NeonConfigTarget,
  target: LocalNeonTarget,
  options: ConfigureNeonOptions = {},
): void {
  const webSocketConstructor =
    options.webSocketConstructor ??
    (typeof WebSocket === "undefined"
      ? undefined
      : (WebSocket as unknown as NeonConfig["webSocketConstructor"]));
  if (webSocketConstructor === undefined) {
    throw new Error(
      "configureNeonForLocal: this runtime has no global WebSocket (Node 20); " +
        'pass { webSocketConstructor: ws } with `import ws from "ws"`',
    );
  }
  neonConfig.webSocketConstructor = webSocketConstructor;
  neonConfig.wsProxy = target.wsProxy;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  neonConfig.forceDisablePgSSL = true;
  neonConfig.fetchEndpoint = target.fetchEndpoint;
}

/** Where a local Upstash endpoint answers: the `{ url, token }` for `new Redis(…)`. */
export interface LocalUpstashTarget {
  url: string;
  token: string;
}
