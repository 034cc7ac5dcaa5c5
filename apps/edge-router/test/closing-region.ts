import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { syncHealthBody } from "@memoria/sync-core/testing/health";

/**
 * A region as a plain node:http server on 127.0.0.1 that does what a runtime does after
 * answering without reading the request body: it resets the connection (the unread bytes
 * make the close an RST), a few ms after the answer, while the router's pool still holds
 * it. It refuses (415) a body that is not JSON and answers 404 off its routes; it stores
 * `POST /memory` bodies and answers 201, except a text starting "vanish", which it stores
 * and then drops the connection without answering (a region that dies after applying).
 */
export interface ClosingRegion {
  url: string;
  /** Texts stored by `POST /memory`, in arrival order (one entry per arrival). */
  stored: string[];
  /** For each request that reached a handler: its path and the connection's number. */
  arrivals: Array<{ method: string; path: string; connection: number }>;
  connections(): number;
  stop(): Promise<void>;
}

export async function startClosingRegion(id: string): Promise<ClosingRegion> {
  const stored: string[] = [];
  const arrivals: ClosingRegion["arrivals"] = [];
  const numbers = new WeakMap<Socket, number>();
  let opened = 0;
  const server = createServer((req, res) => {
    const socket = req.socket;
    if (!numbers.has(socket)) numbers.set(socket, ++opened);
    const path = new URL(req.url ?? "/", "http://region").pathname;
    arrivals.push({ method: req.method ?? "", path, connection: numbers.get(socket) as number });
    route(id, req, res, stored);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    stored,
    arrivals,
    connections: () => opened,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function route(id: string, req: IncomingMessage, res: ServerResponse, stored: string[]): void {
  const path = new URL(req.url ?? "/", "http://region").pathname;
  if (req.method === "GET" && path === "/health/sync") {
    json(res, 200, syncHealthBody({ region: id, role: "writer", leader: null, applied: {} }));
  } else if (req.method === "GET" && path === "/memory") {
    json(res, 200, { items: [] });
  } else if (path !== "/memory" || req.method !== "POST") {
    refuse(req, res, 404);
  } else if (req.headers["content-type"] !== "application/json") {
    refuse(req, res, 415);
  } else {
    store(req, res, stored);
  }
}

function store(req: IncomingMessage, res: ServerResponse, stored: string[]): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const { text } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { text: string };
    stored.push(text);
    if (text.startsWith("vanish")) req.socket.resetAndDestroy();
    else json(res, 201, { status: "stored", memory: { id: `m${stored.length}`, text } });
  });
}

/** Answers without reading the body, then resets the connection the router will reuse. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number): void {
  const body = JSON.stringify({ type: "about:blank", title: "refused", status });
  res.writeHead(status, {
    "content-type": "application/problem+json",
    "content-length": Buffer.byteLength(body),
  });
  const socket = req.socket;
  // A reset discards what the peer has not read yet: wait long enough for the router to
  // have read this answer even on a loaded machine (at 5 ms, a busy workerd sometimes had
  // not, and lost the answer itself), and still well before its next request (30 ms on).
  res.end(body, () => setTimeout(() => socket.resetAndDestroy(), 15));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
