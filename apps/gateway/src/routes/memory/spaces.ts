import type { Store } from "@memoria/store";
import {
  type FieldError,
  type MemoriaConfig,
  ProblemError,
  servesTeam,
  teamNamespace,
} from "@memoria/sync-core";
import type { MiddlewareHandler } from "hono";
import type { HonoEnv } from "../../app.js";
import { requestedTeam } from "./upstream-query.js";

/** `memory.team_spaces` with the prefix that names them. */
interface Spaces {
  prefix: string;
  teams: readonly string[];
}

/**
 * The team a read names, read the way its route does: this API's `team` filter, or
 * upstream's `team_id` / `workspace_id` / a team `namespace` (`requestedTeam`).
 */
function namedTeam(query: Record<string, string>, config: MemoriaConfig): string | undefined {
  const own = query.team?.trim().toLowerCase();
  if (own) return own;
  const lower = (value: string | undefined) => value?.trim().toLowerCase() || undefined;
  return (
    requestedTeam(
      {
        namespace: query.namespace?.trim(),
        team_id: lower(query.team_id),
        workspace_id: lower(query.workspace_id),
      },
      config,
    )?.team ?? undefined
  );
}

/**
 * A read for a team this region does not serve is misdirected (421): this region holds none
 * of the team's records, another region may, and the router takes a 421 as "try the next
 * region" (nothing was done here), so a client of team bravo near a region serving only
 * alpha is served by the nearest region serving bravo. A write is refused with 422: fetch
 * clients (the Fetch standard, undici) resend a request answered 421 on a new connection by
 * themselves, which a request body that was already streamed cannot survive.
 */
function misdirected(spaces: Spaces, team: string, field: string, read: boolean): ProblemError {
  const served = spaces.teams.map((t) => teamNamespace(spaces.prefix, t)).join(", ");
  const error: FieldError = { field, message: "must be a team this region serves" };
  return new ProblemError(read ? 421 : 422, {
    ...(read ? { title: "Misdirected Request" } : {}),
    detail: `this region does not serve team space ${teamNamespace(spaces.prefix, team)} (memory.team_spaces: ${served || "none"}); another region may`,
    errors: [error],
  });
}

/**
 * A region holds only the team spaces it serves (`memory.team_spaces`): a record of another
 * team written here would live where its team's data must not, and its events would reach
 * only the regions serving that space.
 */
export function servedSpacesStore(store: Store, spaces: Spaces): Store {
  const check = (team: string | null | undefined) => {
    if (team === undefined || team === null || servesTeam(spaces.teams, team)) return;
    throw misdirected(spaces, team, "team", false);
  };
  return {
    ...store,
    createMemory: (input, options) => {
      check(input.team);
      return store.createMemory(input, options);
    },
    updateMemory: (id, patch, teams) => {
      check(patch.team);
      return store.updateMemory(id, patch, teams);
    },
  };
}

/**
 * For the memory routes of a region serving some team spaces only: a request for a team it
 * does not serve — a key bound to such teams only, a filter naming one, a write of a
 * record of one — is refused (421 for a read, 422 for a write), not answered with an empty
 * list or a 404.
 */
export function onlyServedSpaces(): MiddlewareHandler<HonoEnv> {
  return async function servedSpaces(c, next) {
    const services = c.get("services");
    const teams = services.config.memory.team_spaces;
    if (teams.includes("*")) return next();
    const spaces = { prefix: services.config.memory.team_namespace_prefix, teams };
    const read = c.req.method === "GET" || c.req.method === "HEAD";
    const bound = c.get("principal")?.teams;
    if (bound !== undefined && !bound.some((team) => servesTeam(teams, team)))
      throw misdirected(spaces, bound[0] ?? "", "team", read);
    const named = namedTeam(c.req.query(), services.config);
    if (named && !servesTeam(teams, named)) throw misdirected(spaces, named, "team", read);
    c.set("services", { ...services, store: servedSpacesStore(services.store, spaces) });
    return next();
  };
}
