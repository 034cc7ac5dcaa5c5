import { createServer } from "node:http";
import { syncHealthBody } from "@memoria/sync-core/testing/health";

/**
 * A region as a plain node:http server on 127.0.0.1: `GET /hello` answers a small JSON
 * body at once; `GET /stream` sends its first part and then holds the rest back until the
 * test calls `release()`. A client can read
 * that first part only if every hop before it passes bytes on as they come: a router that
 * held the answer whole would keep it waiting for the rest, which the region never sends.
 */
export interface StreamingRegion {
  url: string;
  /** Bytes of `GET /stream`: FIRST_PART_BYTES, then the rest after `release()`. */
  totalBytes: number;
  /** Lets the held-back rest of every `GET /stream` go. */
  release(): void;
  stop(): Promise<void>;
}

export const FIRST_PART_BYTES = 64 * 1024;
const REST_BYTES = 4 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

/** Byte `i` of the body: a pattern, so a byte out of place shows. */
export function streamByte(i: number): number {
  return (i * 31 + 7) % 251;
}

export async function startStreamingRegion(
  id: string,
  role: "writer" | "reader",
): Promise<StreamingRegion> {
  let releaseRest: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    releaseRest = resolve;
  });
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://region").pathname;
    if (path === "/health/sync") {
      const body = JSON.stringify(syncHealthBody({ region: id, role, writer: null, applied: {} }));
      res.writeHead(200, { "content-type": "application/json" }).end(body);
      return;
    }
    if (path === "/hello") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id }));
      return;
    }
    if (path !== "/stream") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(FIRST_PART_BYTES + REST_BYTES),
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    res.write(chunk(0, FIRST_PART_BYTES));
    void released.then(() => {
      for (let at = FIRST_PART_BYTES; at < FIRST_PART_BYTES + REST_BYTES; at += CHUNK_BYTES)
        res.write(chunk(at, CHUNK_BYTES));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    totalBytes: FIRST_PART_BYTES + REST_BYTES,
    release: () => releaseRest(),
    async stop() {
      releaseRest();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function chunk(from: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = streamByte(from + i);
  return bytes;
}
