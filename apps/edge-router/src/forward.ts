import { ProblemError } from "@memoria/sync-core";

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1): never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
]);

export function stripHopByHop(headers: Headers): Headers {
  const out = new Headers();
  const named = new Set(
    (headers.get("connection") ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name) && !named.has(name)) out.set(name, value);
  });
  return out;
}

/** The request as it will be sent to a region, body buffered so a failover can resend it. */
export interface OutboundRequest {
  method: string;
  /** Path and query only; the region's origin is added per attempt. */
  target: string;
  headers: Headers;
  body: ArrayBuffer | null;
}

/**
 * Reads the client's request within the body bound (413 beyond it, counted as it streams,
 * whatever Content-Length claims), strips hop-by-hop headers and adds X-Forwarded-*.
 */
export async function outbound(request: Request, maxBodyBytes: number): Promise<OutboundRequest> {
  const url = new URL(request.url);
  // Only origin-form targets: an absolute or scheme-relative path must never pick the upstream.
  if (!url.pathname.startsWith("/") || url.pathname.startsWith("//")) {
    throw new ProblemError(400, { detail: "request target must be a path" });
  }
  let body: ArrayBuffer | null = null;
  if (request.body && request.method !== "GET" && request.method !== "HEAD") {
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBodyBytes) {
        // Read (and drop) a bounded remainder so the client gets to see the 413 rather than
        // a reset connection; past that, cut it off. Content-Length is not trusted either way.
        await drain(reader, DRAIN_FACTOR * maxBodyBytes - size);
        throw new ProblemError(413, { detail: `request body exceeds ${maxBodyBytes} bytes` });
      }
      chunks.push(value);
    }
    const joined = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      joined.set(chunk, offset);
      offset += chunk.byteLength;
    }
    body = joined.buffer;
  }
  const headers = stripHopByHop(request.headers);
  const client = request.headers.get("cf-connecting-ip") ?? request.headers.get("x-real-ip");
  const prior = request.headers.get("x-forwarded-for");
  if (client) headers.set("x-forwarded-for", prior ? `${prior}, ${client}` : client);
  headers.set("x-forwarded-host", url.host);
  headers.set("x-forwarded-proto", url.protocol.replace(":", ""));
  return { method: request.method, target: `${url.pathname}${url.search}`, headers, body };
}

/** How much of an oversized body is read before answering 413, as a multiple of the bound. */
const DRAIN_FACTOR = 8;

async function drain(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  budget: number,
): Promise<void> {
  let left = budget;
  while (left > 0) {
    const { done, value } = await reader.read();
    if (done) return;
    left -= value.byteLength;
  }
  await reader.cancel();
}

/** The region's URL for a target: same origin as the region, always (no open proxying). */
export function upstreamUrl(regionUrl: string, target: string): URL {
  const base = new URL(regionUrl);
  const url = new URL(`${base.origin}${base.pathname.replace(/\/$/, "")}${target}`);
  if (url.origin !== base.origin)
    throw new ProblemError(400, { detail: "request target leaves the region" });
  return url;
}
