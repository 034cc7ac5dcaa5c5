import { signWakeHint, WAKE_SIGNATURE_HEADER } from "@memoria/sync-core";
import type { Services } from "../services.js";

const WAKE_TIMEOUT_MS = 2_000;

/**
 * Tells peers "I just published" (sync-core's signed wake-up hint): they poll now instead
 * of at their next backoff step. Best effort: a lost hint only delays a peer until its own poll.
 */
export async function sendWakeHints(services: Services): Promise<void> {
  const { keyring, config, region } = services;
  if (!keyring) return;
  const peers = config.regions.filter(
    (peer) => peer.id !== region && peer.enabled && peer.url !== undefined,
  );
  if (peers.length === 0) return;
  const { body, signature } = await signWakeHint({ from: region, at: Date.now() }, keyring);
  await Promise.allSettled(
    peers.map((peer) =>
      fetch(new URL("/sync/wake", peer.url), {
        method: "POST",
        headers: { "content-type": "application/json", [WAKE_SIGNATURE_HEADER]: signature },
        body,
        signal: AbortSignal.timeout(WAKE_TIMEOUT_MS),
      }).then((response) => response.body?.cancel()),
    ),
  );
}
