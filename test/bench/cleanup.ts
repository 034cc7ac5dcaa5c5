/**
 * What a benchmark leaves on the shared Redis and PostgreSQL, removed through the same
 * local endpoints it used (so a bench package needs no driver of its own).
 */
import { configureNeonForLocal, type LocalNeonTarget } from "@memoria/local-services/client";
import { neonConfig, Pool } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis/cloudflare";
import ws from "ws";

/** What a started topology names on the shared servers (`startTopology` in apps/gateway/local). */
export interface TopologyNames {
  channel: string;
  table: string;
  /** Region id → its vars (each names its store schema). */
  vars: Record<string, Record<string, string>>;
}

/** Every region's store schema, the journal's schema and the stream key, read off the topology. */
export function topologyLeftovers(topology: TopologyNames): { schemas: string[]; keys: string[] } {
  const stores = Object.values(topology.vars).map((vars) => vars.STORE_SCHEMA);
  const journal = topology.table.split(".")[0];
  return {
    schemas: [...stores, journal].filter((name): name is string => Boolean(name)),
    keys: [topology.channel],
  };
}

export async function dropSchemas(
  neon: LocalNeonTarget,
  postgresUrl: string,
  schemas: string[],
): Promise<void> {
  if (schemas.length === 0) return;
  configureNeonForLocal(neonConfig, neon, { webSocketConstructor: ws });
  const pool = new Pool({ connectionString: postgresUrl, max: 1 });
  try {
    for (const schema of schemas) await pool.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await pool.end();
  }
}

export async function deleteKeys(
  upstash: { url: string; token: string },
  keys: string[],
): Promise<void> {
  if (keys.length === 0) return;
  await new Redis({ ...upstash, automaticDeserialization: false }).del(...keys);
}
