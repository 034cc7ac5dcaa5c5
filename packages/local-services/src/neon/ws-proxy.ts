import type { IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { parseTarget, type TargetAllowList } from "./allow-list";

/** Above this many bytes waiting to go out on the WebSocket, reading from Postgres pauses. */
const HIGH_WATER = 1024 * 1024;

/**
 * Neon's WebSocket-to-TCP proxy, as the driver uses it: the client opens
 * `ws://<proxy>/v2?address=host:port` and the frames carry the raw Postgres
 * wire protocol both ways. Targets outside the allow-list are refused with
 * HTTP 403 before the upgrade.
 */
export class WsProxy {
  readonly #server = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  readonly #allowList: TargetAllowList;
  readonly #open = new Set<{ ws: WebSocket; tcp: Socket }>();

  constructor(allowList: TargetAllowList) {
    this.#allowList = allowList;
  }

  /** The http server's 'upgrade' handler. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://local");
    const address = url.searchParams.get("address");
    const target = address ? parseTarget(address) : undefined;
    if (!target) {
      refuse(socket, 400, "expected ?address=host:port");
      return;
    }
    if (!this.#allowList.has(target.host, target.port)) {
      refuse(socket, 403, `${address} is not in this proxy's allow-list`);
      return;
    }
    this.#server.handleUpgrade(req, socket, head, (ws) => this.#bridge(ws, target));
  }

  /** Closes every open tunnel. */
  close(): void {
    for (const { ws, tcp } of this.#open) {
      tcp.destroy();
      ws.terminate();
    }
    this.#open.clear();
    this.#server.close();
  }

  #bridge(ws: WebSocket, target: { host: string; port: number }): void {
    const tcp = connect({ host: target.host, port: target.port });
    tcp.setNoDelay(true);
    const pair = { ws, tcp };
    this.#open.add(pair);

    let waitingForDrain = false;
    ws.on("message", (data: RawData) => {
      // Writes before the TCP connect completes are buffered by the socket.
      if (!tcp.write(toBuffer(data)) && !waitingForDrain) {
        waitingForDrain = true;
        ws.pause();
        tcp.once("drain", () => {
          waitingForDrain = false;
          ws.resume();
        });
      }
    });
    let unflushed = 0;
    let afterFlush: (() => void) | undefined;
    tcp.on("data", (chunk: Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      unflushed++;
      ws.send(chunk, { binary: true }, () => {
        unflushed--;
        if (unflushed === 0) afterFlush?.();
        if (tcp.isPaused() && ws.bufferedAmount < HIGH_WATER) tcp.resume();
      });
      if (ws.bufferedAmount >= HIGH_WATER) tcp.pause();
    });

    const finish = () => this.#open.delete(pair);
    tcp.on("error", (error) => {
      // Close reasons are capped at 123 bytes.
      if (ws.readyState === ws.OPEN) ws.close(1011, error.message.slice(0, 120));
    });
    tcp.on("close", () => {
      finish();
      if (ws.readyState !== ws.OPEN) return;
      // Postgres hung up (after the client's Terminate, or a crash): once what it
      // sent is flushed, drop the connection without a close frame, as Neon's Go
      // wsproxy does. The driver never closes its WebSocket after Terminate, and
      // workerd answers a server close frame with an extra "Network connection
      // lost" error event, which an idle pooled client turns into an unhandled
      // error; a plain disconnect is a quiet close (1006) there and in Node.
      afterFlush = () => ws.terminate();
      if (unflushed === 0) afterFlush();
    });
    ws.on("error", () => tcp.destroy());
    ws.on("close", () => {
      finish();
      tcp.end();
      // Postgres would close anyway after the client's Terminate; do not wait long.
      setTimeout(() => tcp.destroy(), 1_000).unref();
    });
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function refuse(socket: Duplex, status: number, message: string): void {
  const reason = status === 403 ? "Forbidden" : "Bad Request";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}
