import type { Store } from "@memoria/store";
import { ProblemError } from "@memoria/sync-core";
import type { MiddlewareHandler } from "hono";
import type { HonoEnv } from "../app.js";

/**
 * Every store method, classified, so a new one cannot slip past team scoping: the object
 * must name each method of `Store` (the compiler checks it), and each `team-scoped` one
 * must be overridden in `teamScopedStore` (the compiler checks that too). `system`
 * methods touch no record a team key could reach (sync, keys, settings, bookkeeping).
 */
const ACCESS = {
  getMemory: "team-scoped",
  listMemories: "team-scoped",
  queryMemories: "team-scoped",
  createMemory: "team-scoped",
  updateMemory: "team-scoped",
  deleteMemory: "team-scoped",
  context: "system",
  migrate: "system",
  redactOutsideBand: "system",
  appliedWatermarks: "system",
  applyEvents: "system",
  applyMessages: "system",
  classifyMessages: "system",
  // Dead letters hold peer events of every team, like /sync/events: admin keys only, never team-bound.
  listDeadLetters: "system",
  countDeadLetters: "system",
  retryDeadLetter: "system",
  discardDeadLetter: "system",
  relayOutbox: "system",
  consumeOnce: "system",
  runDecrement: "system",
  latestDecrementDate: "system",
  countUnpublished: "system",
  // Counts per team space for /metrics: numbers only, no record, like the other counters.
  countLiveByTeam: "system",
  counters: "system",
  eventTotals: "system",
  createApiKey: "system",
  revokeApiKey: "system",
  listApiKeys: "system",
  findApiKey: "system",
  touchApiKey: "system",
  readSettings: "system",
  writeSettings: "system",
  readSettingsIfChanged: "system",
  readMetadata: "system",
  writeMetadata: "system",
  recordSyncCycle: "system",
  ping: "system",
} as const satisfies Record<keyof Store, "team-scoped" | "system">;

type TeamScoped = {
  [K in keyof typeof ACCESS as (typeof ACCESS)[K] extends "team-scoped" ? K : never]: Store[K];
};

/**
 * A team-bound key's view of the store: reads, lists, changes and deletes reach only its
 * teams' records (another team's, or one without a team, is not found, so its existence
 * does not leak); creating a record, or moving one, outside its teams is a 403.
 */
export function teamScopedStore(store: Store, teams: readonly string[]): Store {
  const mayWrite = (team: string | null | undefined, field: string) => {
    if (team === undefined) return;
    if (team === null || !teams.includes(team)) {
      throw new ProblemError(403, {
        detail: `this key writes only the records of team ${teams.join(", ")}`,
        errors: [{ field, message: `must be one of ${teams.join(", ")}` }],
      });
    }
  };
  const scoped: TeamScoped = {
    getMemory: (id) => store.getMemory(id, teams),
    listMemories: (filter) => store.listMemories({ ...filter, teams }),
    queryMemories: (query) => store.queryMemories({ ...query, teams }),
    createMemory: (input, options) => {
      mayWrite(input.team ?? null, "team");
      return store.createMemory(input, options);
    },
    updateMemory: (id, patch) => {
      mayWrite(patch.team, "team");
      return store.updateMemory(id, patch, teams);
    },
    deleteMemory: (id) => store.deleteMemory(id, teams),
  };
  return { ...store, ...scoped };
}

/** For the memory routes: swaps in the team-scoped store when the key is bound to teams. */
export function scopeToTeams(): MiddlewareHandler<HonoEnv> {
  return async function teamScope(c, next) {
    const teams = c.get("principal")?.teams;
    if (teams !== undefined) {
      const services = c.get("services");
      c.set("services", { ...services, store: teamScopedStore(services.store, teams) });
    }
    return next();
  };
}
