import type { SyncEvent } from "./event.js";
import { inBand, type PrivacyBand } from "./privacy.js";

/** A team name, as a record's `team` holds it and `memory.team_spaces` lists it. */
export const TEAM_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Which team spaces a region serves: `prefix` forms their names, `teams` lists them (`*`: all). */
export interface ServedSpaces {
  prefix: string;
  teams: readonly string[];
}

/** What a receiving region knows about itself when it judges an inbound event. */
export interface InboundContext {
  /** `memory.namespace` of this deployment: events of any other tenant are dropped. */
  namespace: string;
  /** This region's id: its own events coming back (echoes) are ignored. */
  region: string;
  /** This region's sync band. */
  band: PrivacyBand;
  /** Team spaces served; absent: none (only `namespace` itself). Events of other spaces are dropped like a foreign namespace. */
  spaces?: ServedSpaces;
}

/** A team's namespace as the original derives it: `team-alpha` from prefix `team`. */
export function teamNamespace(prefix: string, team: string): string {
  return `${prefix}-${team}`;
}

/**
 * The space an event of a record travels in: the deployment's namespace for a record without
 * a team, `<namespace>:<prefix>-<team>` (`prod-shared:team-alpha`) for a team's record. The
 * event's `namespace` field carries it, so a region not serving the space drops the event
 * before anything else, as it drops another tenant's.
 */
export function spaceOf(
  namespace: string,
  prefix: string,
  team: string | null | undefined,
): string {
  return team === null || team === undefined
    ? namespace
    : `${namespace}:${teamNamespace(prefix, team)}`;
}

/** Whether `teams` (a `team_spaces` list) includes `team`; records without a team are everyone's. */
export function servesTeam(teams: readonly string[], team: string | null | undefined): boolean {
  if (team === null || team === undefined) return true;
  return teams.includes("*") || teams.includes(team);
}

/**
 * The team an event's space names: `null` for the deployment's own namespace, the team for
 * `<namespace>:<prefix>-<team>`, `undefined` for anything else (another tenant's).
 */
export function teamOfSpace(
  namespace: string,
  prefix: string,
  space: string,
): string | null | undefined {
  if (space === namespace) return null;
  const head = `${namespace}:${prefix}-`;
  if (!space.startsWith(head)) return undefined;
  const team = space.slice(head.length);
  return TEAM_PATTERN.test(team) ? team : undefined;
}

export function isOwnNamespace(
  namespace: string,
  event: Pick<SyncEvent, "namespace">,
  spaces?: ServedSpaces,
): boolean {
  // Without a declaration of spaces, only the namespace itself (fail closed).
  if (spaces === undefined) return event.namespace === namespace;
  const team = teamOfSpace(namespace, spaces.prefix, event.namespace);
  return team !== undefined && servesTeam(spaces.teams, team);
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
  if (!isOwnNamespace(context.namespace, event, context.spaces))
    return { verdict: "drop", reason: "namespace" };
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
