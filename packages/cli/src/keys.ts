import { API_SCOPES, type ApiScope } from "@memoria/sync-core";
import { callGateway } from "./client.js";

/** `memoria keys create|list|revoke`: the admin key routes, as an operator runs them. */

export interface KeyInfo {
  id: string;
  prefix: string;
  name: string | null;
  scopes: ApiScope[];
  teams: string[] | null;
  namespace: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function parseScopes(values: readonly string[]): ApiScope[] {
  const bad = values.filter((value) => !(API_SCOPES as readonly string[]).includes(value));
  if (values.length === 0 || bad.length > 0)
    throw new Error(`--scope must be one of ${API_SCOPES.join(", ")} (repeat it for several)`);
  return values as ApiScope[];
}

export async function createKey(
  url: string,
  apiKey: string,
  body: { scopes: ApiScope[]; teams?: string[]; name?: string },
): Promise<{ key: KeyInfo; secret: string }> {
  return callGateway(new URL("/admin/keys", url).toString(), {
    method: "POST",
    apiKey,
    json: body,
  });
}

export async function listKeys(url: string, apiKey: string): Promise<KeyInfo[]> {
  const { keys } = await callGateway<{ keys: KeyInfo[] }>(new URL("/admin/keys", url).toString(), {
    apiKey,
  });
  return keys;
}

export async function revokeKey(url: string, apiKey: string, id: string): Promise<KeyInfo> {
  const { key } = await callGateway<{ key: KeyInfo }>(
    new URL(`/admin/keys/${encodeURIComponent(id)}`, url).toString(),
    { method: "DELETE", apiKey },
  );
  return key;
}

/** One line per key: never a secret (the gateway never returns one after creation). */
export function formatKey(key: KeyInfo): string {
  const teams = key.teams === null ? "all teams" : `teams ${key.teams.join(",")}`;
  const state = key.revoked_at ? `revoked ${key.revoked_at}` : "active";
  return `${key.id}  ${key.prefix}…  ${key.scopes.join(",")}  ${teams}  ${key.name ?? "-"}  created ${key.created_at}  last used ${key.last_used_at ?? "never"}  ${state}`;
}
