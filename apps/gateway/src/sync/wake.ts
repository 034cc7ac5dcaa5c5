import { base64url, fromBase64url, type Keyring } from "@memoria/sync-core";
import type { Services } from "../services.js";

/** Header on a wake-up hint: `<keyId>.<base64url HMAC-SHA256 of the body>`. */
export const WAKE_SIGNATURE_HEADER = "memoria-signature";
/** A hint older than this is ignored (replayed hints only cost a poll, but why allow them). */
export const WAKE_MAX_AGE_MS = 60_000;

export interface WakeHint {
  from: string;
  at: number;
}

/**
 * Tells peers "I just published": they poll now instead of at their next backoff step.
 * A hint carries no data; a lost one only delays a peer until its own poll.
 */
export async function sendWakeHints(services: Services): Promise<void> {
  const { keyring, config, region } = services;
  if (!keyring) return;
  const peers = config.regions.filter(
    (peer) => peer.id !== region && peer.enabled && peer.url !== undefined,
  );
  if (peers.length === 0) return;
  const body = JSON.stringify({ from: region, at: Date.now() } satisfies WakeHint);
  const signature = await sign(keyring, body);
  await Promise.allSettled(
    peers.map((peer) =>
      fetch(new URL("/sync/wake", peer.url), {
        method: "POST",
        headers: { "content-type": "application/json", [WAKE_SIGNATURE_HEADER]: signature },
        body,
        signal: AbortSignal.timeout(2_000),
      }).then((response) => response.body?.cancel()),
    ),
  );
}

export async function sign(keyring: Keyring, body: string): Promise<string> {
  const key = keyring.key(keyring.current) as CryptoKey;
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body));
  return `${keyring.current}.${base64url(new Uint8Array(mac))}`;
}

export async function verifySignature(
  keyring: Keyring,
  body: string,
  signature: string | undefined,
): Promise<boolean> {
  const match = /^([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{43})$/.exec(signature ?? "");
  if (!match) return false;
  const key = keyring.key(match[1] as string);
  const mac = fromBase64url(match[2] as string);
  if (!key || !mac || base64url(mac) !== match[2]) return false;
  return crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(body));
}
