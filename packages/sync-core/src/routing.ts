import type { SyncEvent } from "./event.js";
import { inBand, type PrivacyBand } from "./privacy.js";

/** What a receiving region knows about itself when it judges an inbound event. */
export interface InboundContext {
  /** `memory.namespace` of this deployment: events of any other tenant are dropped. */
  namespace: string;
  /** This region's id: its own events coming back (echoes) are ignored. */
  region: string;
  /** This region's sync band. */
  band: PrivacyBand;
}

/** A team's namespace as the original derives it: `team-alpha` from prefix `team`. */
export function teamNamespace(prefix: string, team: string): string {
  return `${prefix}-${team}`;
}

export function isOwnNamespace(namespace: string, event: Pick<SyncEvent, "namespace">): boolean {
  return event.namespace === namespace;
}

export function isEcho(region: string, event: Pick<SyncEvent, "origin">): boolean {
  return event.origin === region;
}

/**
 * - `apply`: store the event's effect;
 * - `redact`: the record is not (or no longer) allowed here — delete any local copy, keep
 *   no content, count it as privacy-filtered when it carried content;
 * - `drop`: ignore it (`echo` of our own write, or a foreign `namespace`, counted).
 */
export type InboundVerdict =
  | { verdict: "apply" }
  | { verdict: "redact"; reason: "privacy" | "redacted" }
  | { verdict: "drop"; reason: "echo" | "namespace" };

/**
 * The receiving region's own checks, whatever the publisher decided: a peer with a looser
 * band must not be able to push a record outside ours into our store.
 */
export function classifyInbound(event: SyncEvent, context: InboundContext): InboundVerdict {
  if (!isOwnNamespace(context.namespace, event)) return { verdict: "drop", reason: "namespace" };
  if (isEcho(context.region, event)) return { verdict: "drop", reason: "echo" };
  switch (event.action) {
    case "memory.redacted":
      return { verdict: "redact", reason: "redacted" };
    case "memory.deleted":
    case "schedule.decrement":
      // A tombstone or a decrement carries no content to leak.
      return { verdict: "apply" };
    case "apikey.upserted":
    case "apikey.revoked":
      // Credentials are not memory content: the band does not apply, the namespace did above.
      return { verdict: "apply" };
    case "memory.created":
    case "memory.updated":
    case "thread.updated":
      return inBand(context.band, event.privacy)
        ? { verdict: "apply" }
        : { verdict: "redact", reason: "privacy" };
  }
}
