/**
 * Header names of the contract between clients, the edge router and the gateways. Lower
 * case, as `Headers` stores them; HTTP compares header names without regard to case.
 */

/** A write's sync token (its HLC), answered by the gateway and sent back for read-your-writes. */
export const SYNC_TOKEN_HEADER = "memoria-sync-token";
/** The region that served a response (set by the gateway, kept by the router). */
export const REGION_HEADER = "x-memoria-region";
/** Regions the router failed over from (or passed over, circuit open), comma-separated. */
export const FAILOVER_HEADER = "x-memoria-failover";
/** Makes a write safe to retry: the gateway derives the memory id from it. */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
/** A peer's signature over a wake-up hint's body (`<keyId>.<base64url HMAC-SHA256>`). */
export const WAKE_SIGNATURE_HEADER = "memoria-signature";
/** Marks the router's health probes, so a gateway's logs can tell them from clients. */
export const PROBE_HEADER = "x-memoria-probe";
