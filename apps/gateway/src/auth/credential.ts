import {
  API_KEY_PREFIX,
  displayPrefix,
  hashApiKey,
  ProblemError,
  presentedKey,
  sameDigest,
  sameSecret,
} from "@memoria/sync-core";
import type { Services } from "../services.js";
import type { Principal } from "./principal.js";

// One definition of how a credential is presented and compared, shared with the router.
export { presentedKey, sameSecret };

/** What a log line may say about a presented credential: the prefix of one of ours, else nothing. */
export function loggablePrefix(presented: string | undefined): string | undefined {
  return presented?.startsWith(API_KEY_PREFIX) ? displayPrefix(presented) : undefined;
}

export type Resolution = { principal: Principal } | { refused: "unknown" | "revoked" };

/**
 * The principal a credential stands for. The configured secrets are compared in constant
 * time; a made key is found by its SHA-256 and the hashes compared in constant time too.
 * A key bound to another namespace is a 403: it is genuine, just not for this tenant.
 */
export async function resolveKey(presented: string, services: Services): Promise<Resolution> {
  const { config, store } = services;
  if (config.api_key !== undefined && (await sameSecret(presented, config.api_key)))
    return {
      principal: {
        kind: "root",
        id: "root",
        prefix: null,
        scopes: ["read", "write", "admin"],
        teams: undefined,
      },
    };
  const monitorKey = config.auth.monitor_key;
  if (monitorKey !== undefined && (await sameSecret(presented, monitorKey)))
    return {
      principal: { kind: "monitor", id: "monitor", prefix: null, scopes: [], teams: undefined },
    };
  if (!presented.startsWith(API_KEY_PREFIX)) return { refused: "unknown" };
  const hash = await hashApiKey(presented);
  const record = await store.findApiKey(hash);
  if (!record || !sameDigest(record.hash, hash)) return { refused: "unknown" };
  if (record.revoked_at !== null) return { refused: "revoked" };
  if (record.namespace !== config.memory.namespace) {
    throw new ProblemError(403, {
      detail: `key ${record.prefix}… is bound to namespace ${record.namespace}; this region serves ${config.memory.namespace}`,
    });
  }
  await store.touchApiKey(record.id);
  return {
    principal: {
      kind: "key",
      id: record.id,
      prefix: record.prefix,
      scopes: record.scopes,
      teams: record.teams ?? undefined,
    },
  };
}
