import { callGateway } from "./client.js";

export interface CatchUpResult {
  read: number;
  rejected: number;
  applied: number;
  duplicate: number;
  filtered: number;
  /** Verified but not applicable: kept as dead letters (`memoria sync dead-letters`). Absent from older gateways. */
  quarantined?: number;
}

/** `1h`, `30m`, `2d` before now, or an ISO-8601 time. */
export function parseSince(value: string, now = Date.now()): string {
  const relative = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      relative[2] as "s" | "m" | "h" | "d"
    ];
    return new Date(now - Number(relative[1]) * unit).toISOString();
  }
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new RangeError(`--since: not a time or a duration (1h, 30m, 2d): ${value}`);
  return new Date(time).toISOString();
}

/**
 * `memoria sync catch-up --since T`: the region re-reads everything published since T
 * from the transport and applies it; its ledger makes overlap harmless.
 */
export function catchUp(gateway: string, since: string, apiKey: string): Promise<CatchUpResult> {
  return callGateway<CatchUpResult>(new URL("/sync/catch-up", gateway).toString(), {
    method: "POST",
    apiKey,
    json: { since },
  });
}
