import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { BodyTooLargeError, listenOnLoopback, readBody, sendJsonText } from "../http";
import { LOOPBACK } from "../net";
import { TargetAllowList } from "./allow-list";
import { SqlExecutor } from "./sql";
import { WsProxy } from "./ws-proxy";

export interface NeonEndpointOptions {
  /**
   * Postgres addresses ("host:port", loopback only) that the WebSocket proxy and
   * `/sql` may connect to. Anything else is refused.
   */
  allow: string[];
  /** Port on 127.0.0.1. @default 0 (a free port) */
  port?: number;
  /** `/sql` statements running longer are cancelled. @default 30000 */
  queryTimeoutMs?: number;
  /** Larger `/sql` bodies get 413. @default 16 MiB */
  maxBodyBytes?: number;
}

export interface NeonEndpoint {
  port: number;
  /** For `neonConfig.wsProxy`: `127.0.0.1:<port>/v2` (the driver adds `?address=host:port`). */
  wsProxy: string;
  /** For `neonConfig.fetchEndpoint`: `http://127.0.0.1:<port>/sql`. */
  fetchEndpoint: string;
  /** Adds a target to the allow-list (e.g. a replica started later). */
  allow(target: string): void;
  /** The targets allowed now. */
  allowed(): string[];
  close(): Promise<void>;
}

/**
 * Starts one HTTP server on 127.0.0.1 that is both of Neon's front doors: the
 * WebSocket proxy `Pool`/`Client` tunnel the Postgres protocol through, and the
 * HTTP `/sql` endpoint `neon()` posts queries to.
 */
export async function startNeonEndpoint(options: NeonEndpointOptions): Promise<NeonEndpoint> {
  const allowList = new TargetAllowList(options.allow);
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const sql = new SqlExecutor({
    allowList,
    ...(options.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: options.queryTimeoutMs }),
  });
  const proxy = new WsProxy(allowList);

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://local").pathname;
    if (path !== "/sql") {
      sendJsonText(res, 404, JSON.stringify({ message: "not found: use /sql or a WebSocket" }));
      return;
    }
    if (req.method !== "POST") {
      sendJsonText(res, 405, JSON.stringify({ message: "use POST" }));
      return;
    }
    try {
      const answer = await sql.handle(req, await readBody(req, maxBodyBytes));
      sendJsonText(res, answer.status, JSON.stringify(answer.body));
    } catch (error) {
      if (res.headersSent) return;
      const status = error instanceof BodyTooLargeError ? 413 : 500;
      sendJsonText(res, status, JSON.stringify({ message: (error as Error).message }));
    }
  };
  const server = createServer((req, res) => void handler(req, res));
  server.on("upgrade", (req, socket, head) => proxy.handleUpgrade(req, socket, head));
  const listening = await listenOnLoopback(server, options.port ?? 0);

  return {
    port: listening.port,
    wsProxy: `${LOOPBACK}:${listening.port}/v2`,
    fetchEndpoint: `http://${LOOPBACK}:${listening.port}/sql`,
    allow: (target) => allowList.add(target),
    allowed: () => allowList.list(),
    close: async () => {
      proxy.close();
      await listening.close();
      await sql.close();
    },
  };
}
