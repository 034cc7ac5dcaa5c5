import { ProblemError } from "@memoria/sync-core";
import type { MiddlewareHandler } from "hono";

/** Largest request body any route accepts; more is a 413 before anything is parsed. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * How much of a refused oversized body is still read (and dropped) so the connection can
 * carry the client's next request; past this the runtime closes it instead.
 */
export const DRAIN_BYTES = 4 * MAX_BODY_BYTES;

const BODYLESS = new Set(["GET", "HEAD"]);

/**
 * The app's first middleware: reads the whole request body before any route or check runs,
 * bounded by `MAX_BODY_BYTES`, and hands the routes an in-memory copy.
 *
 * Why first: an answer sent while the body is still unread (a 401, a 404, a 415 …) leaves
 * the bytes on the connection, and the runtime then closes it; a router or client reusing
 * pooled connections sees its next request fail. Read here, every early answer leaves a
 * clean connection. A body the runtime cannot frame (broken chunked encoding, fewer bytes
 * than Content-Length) fails here too, as a 400 naming `(body)`, never deeper as a 500.
 */
export function readBodyFirst(): MiddlewareHandler {
  return async function readBody(c, next) {
    const request = c.req.raw;
    if (request.body === null) return next();
    const declared = Number(request.headers.get("content-length") ?? Number.NaN);
    // Bigger than anything worth draining: refuse without reading; the connection closes.
    if (declared > DRAIN_BYTES) throw tooLarge();
    const bytes = await readAll(request.body);
    // GET and HEAD cannot carry a body on to the routes (none reads one); it is consumed.
    if (!BODYLESS.has(request.method)) c.req.raw = new Request(request, { body: bytes });
    return next();
  };
}

function tooLarge(): ProblemError {
  return new ProblemError(413, {
    detail: `request body exceeds ${MAX_BODY_BYTES} bytes`,
    errors: [{ field: "(body)", message: `must be at most ${MAX_BODY_BYTES} bytes` }],
  });
}

function unreadable(error: unknown): ProblemError {
  return new ProblemError(400, {
    detail: `the request body could not be read (${(error as Error)?.message ?? String(error)}): broken chunked encoding, or fewer bytes than Content-Length`,
    errors: [{ field: "(body)", message: "malformed or truncated" }],
  });
}

/** The body's bytes; past the limit it drains up to `DRAIN_BYTES` and answers 413. */
async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size <= MAX_BODY_BYTES) chunks.push(value);
      else if (size > DRAIN_BYTES) break;
    }
  } catch (error) {
    throw unreadable(error);
  }
  if (size > MAX_BODY_BYTES) {
    await reader.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
