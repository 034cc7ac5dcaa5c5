import { hashApiKey } from "./apikey.js";

/**
 * How a caller presents a credential, to a gateway and to the router alike: `X-API-Key`
 * (upstream's header) or `Authorization: Bearer` (what a Prometheus scraper sends).
 */
export function presentedKey(headers: {
  header(name: string): string | undefined;
}): string | undefined {
  const apiKey = headers.header("x-api-key")?.trim();
  if (apiKey) return apiKey;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.header("authorization") ?? "");
  return match?.[1];
}

/** Compares digests, so the time taken says nothing about how much of the secret matched. */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([hashApiKey(a), hashApiKey(b)]);
  return sameDigest(x, y);
}

/** Constant-time equality of two hex digests of equal length. */
export function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
