import type { Store } from "@memoria/store";
import { ProblemError, servesTeam, teamNamespace } from "@memoria/sync-core";
import type { MiddlewareHandler } from "hono";
import type { HonoEnv } from "../../app.js";

/**
 * A region holds only the team spaces it serves (`memory.team_spaces`): a record of another
 * team written here would live where its team's data must not, and its events would reach
 * only the regions serving that space. Such a write is refused, naming the field and the
 * spaces this region serves (the router or the client takes it to a region that does).
 */
export function servedSpacesStore(
  store: Store,
  spaces: { prefix: string; teams: readonly string[] },
): Store {
  const check = (team: string | null | undefined) => {
    if (team === undefined || servesTeam(spaces.teams, team)) return;
    const served = spaces.teams.map((t) => teamNamespace(spaces.prefix, t)).join(", ");
    throw new ProblemError(422, {
      detail: `this region does not serve team space ${teamNamespace(spaces.prefix, team as string)} (memory.team_spaces: ${served || "none"})`,
      errors: [{ field: "team", message: `must be a team this region serves` }],
    });
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

/** For the memory routes: writes reach only the team spaces this region serves. */
export function onlyServedSpaces(): MiddlewareHandler<HonoEnv> {
  return async function servedSpaces(c, next) {
    const services = c.get("services");
    const teams = services.config.memory.team_spaces;
    if (!teams.includes("*")) {
      const spaces = { prefix: services.config.memory.team_namespace_prefix, teams };
      c.set("services", { ...services, store: servedSpacesStore(services.store, spaces) });
    }
    return next();
  };
}
