import type { Memory } from "@memoria/store";
import { type MemoriaConfig, teamNamespace } from "@memoria/sync-core";

/** A memory as the API answers it: the record plus its team's namespace (`team-alpha`). */
export type PresentedMemory = Memory & { team_namespace: string | null };

/**
 * Adds `team_namespace`, formed from `memory.team_namespace_prefix` the way the original
 * forms team namespaces, so a client sees which team space a memory belongs to.
 */
export function presentMemory(
  memory: Memory,
  config: Pick<MemoriaConfig, "memory">,
): PresentedMemory {
  return {
    ...memory,
    team_namespace:
      memory.team === null ? null : teamNamespace(config.memory.team_namespace_prefix, memory.team),
  };
}
