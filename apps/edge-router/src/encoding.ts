/**
 * Content coding between the router and its client.
 *
 * The runtime hands a Worker every request with `Accept-Encoding: br, gzip` (Cloudflare's
 * front line does; Miniflare's entry worker copies it), keeping what the client really sent
 * in `request.cf.clientAcceptEncoding`. The router forwards that header, so a region
 * answers compressed; workerd's fetch() decodes the body but leaves `Content-Encoding` on
 * the response, and a Response returned with that header is encoded again by it. Handed on
 * as is, the region's coding would reach a client that never asked for one (the local
 * entry worker leaves a response alone when the client sent no Accept-Encoding). So the
 * router sets the coding from the client's own header: the best of br/gzip it accepts,
 * else none.
 */

/** Codings the runtime decodes on fetch() and encodes again from the header. */
const RUNTIME_CODINGS = ["br", "gzip"] as const;
type RuntimeCoding = (typeof RUNTIME_CODINGS)[number];

/**
 * What the client itself sent: `cf.clientAcceptEncoding` when the platform rewrote the
 * header ("" for none, as Miniflare records it), else the header.
 */
export function clientAcceptEncoding(request: Request): string | null {
  const cf = (request as { cf?: { clientAcceptEncoding?: unknown } }).cf;
  const original = cf?.clientAcceptEncoding;
  if (typeof original === "string") return original === "" ? null : original;
  return request.headers.get("accept-encoding");
}

/**
 * The coding to answer with: the br or gzip the client weights highest (the first listed
 * on a tie; `*` stands for gzip), or null for identity, which is also the answer to a
 * client that sent no Accept-Encoding: a plain `curl` gets plain JSON.
 */
export function negotiateCoding(acceptEncoding: string | null): RuntimeCoding | null {
  if (acceptEncoding === null) return null;
  let best: { coding: RuntimeCoding; q: number } | null = null;
  for (const element of acceptEncoding.split(",")) {
    const match = /^\s*([a-z*]+)\s*(?:;\s*q\s*=\s*([01](?:\.\d{0,3})?))?\s*$/i.exec(element);
    if (!match) continue;
    const name = (match[1] as string).toLowerCase();
    const coding = name === "*" ? "gzip" : RUNTIME_CODINGS.find((c) => c === name);
    const q = match[2] === undefined ? 1 : Number(match[2]);
    if (coding && q > 0 && (best === null || q > best.q)) best = { coding, q };
  }
  return best?.coding ?? null;
}

/**
 * Sets `headers`' Content-Encoding for the client. Only a br/gzip coding from upstream is
 * touched: its body is already decoded, and the runtime encodes it by the header. Any
 * other coding passed through undecoded and stays as it is.
 */
export function encodeForClient(headers: Headers, acceptEncoding: string | null): void {
  const upstream = headers.get("content-encoding")?.trim().toLowerCase();
  if (!RUNTIME_CODINGS.some((c) => c === upstream)) return;
  const coding = negotiateCoding(acceptEncoding);
  if (coding) headers.set("content-encoding", coding);
  else headers.delete("content-encoding");
}
