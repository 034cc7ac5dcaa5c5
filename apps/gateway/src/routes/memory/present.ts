import { type Memory, memoryFieldRules } from "@memoria/store";
import { type MemoriaConfig, teamNamespace } from "@memoria/sync-core";
import { z } from "zod";

/**
 * A memory as the API answers it: the record, its team's namespace (`team-alpha`), and
 * the record's fields again under upstream Memoria's names (`memory_id`, `x_coord`,
 * `y_coord`, `z_coord`, `team_id`), so clients of either API read it.
 */
export type PresentedMemory<M extends Memory = Memory> = M & {
  team_namespace: string | null;
  memory_id: string;
  x_coord: number;
  y_coord: number;
  z_coord: number;
  team_id: string | null;
};

/**
 * Adds `team_namespace`, formed from `memory.team_namespace_prefix` the way the original
 * forms team namespaces, so a client sees which team space a memory belongs to.
 */
export function presentMemory<M extends Memory>(
  memory: M,
  config: Pick<MemoriaConfig, "memory">,
): PresentedMemory<M> {
  return {
    ...memory,
    team_namespace:
      memory.team === null ? null : teamNamespace(config.memory.team_namespace_prefix, memory.team),
    memory_id: memory.id,
    x_coord: memory.x,
    y_coord: memory.y,
    z_coord: memory.z,
    team_id: memory.team,
  };
}

/**
 * The top-level members upstream's POST/PUT answers carry: `memory_id`, `anchor`, the
 * namespace the memory lives in (its team space, else the region's), and `team_id` /
 * `workspace_id` when it has a team (upstream sets both to the team).
 */
export function upstreamFields(memory: PresentedMemory) {
  return {
    memory_id: memory.id,
    anchor: memory.anchor,
    namespace: memory.team_namespace ?? memory.namespace,
    ...(memory.team === null ? {} : { team_id: memory.team, workspace_id: memory.team }),
  };
}

/** `PresentedMemory` for the OpenAPI document: the record's fields by their own rules. */
export const presentedMemorySchema = z
  .object({
    id: z.string(),
    namespace: z.string(),
    ...memoryFieldRules,
    hlc: z.string().describe("The HLC of the last write (wallMs:counter:region)"),
    origin: z.string().describe("The region the last write was made in"),
    created_at: z.string(),
    updated_at: z.string(),
    team_namespace: z.string().nullable(),
    memory_id: z.string().describe("`id` under upstream's name"),
    x_coord: z.number(),
    y_coord: z.number(),
    z_coord: z.number(),
    team_id: z.string().nullable(),
    distance: z.number().optional().describe("From the query point, on distance-ordered reads"),
  })
  .meta({ id: "Memory", description: "A memory as every read and write answers it" });

/** What POST and PUT answer besides the memory: upstream's members (`upstreamFields`). */
export const writeAnswerSchema = z.object({
  status: z.enum(["stored", "updated"]),
  memory_id: z.string(),
  anchor: z.string(),
  namespace: z.string(),
  team_id: z.string().optional(),
  workspace_id: z.string().optional(),
  memory: presentedMemorySchema,
  sync_token: z.string().describe("Send it back as Memoria-Sync-Token to read your write"),
});
