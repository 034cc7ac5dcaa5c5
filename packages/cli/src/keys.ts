import { type ApiKey, createMemoriaClient, ok } from "@memoria/client";
import { API_SCOPES, type ApiScope } from "@memoria/sync-core";

/** `memoria keys create|list|revoke`: the admin key routes, as an operator runs them. */

export type KeyInfo = ApiKey;

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
  return ok(createMemoriaClient({ baseUrl: url, apiKey }).POST("/admin/keys", { body }));
}

export async function listKeys(url: string, apiKey: string): Promise<KeyInfo[]> {
  const { keys } = await ok(createMemoriaClient({ baseUrl: url, apiKey }).GET("/admin/keys"));
  return keys;
}

export async function revokeKey(url: string, apiKey: string, id: string): Promise<KeyInfo> {
  const client = createMemoriaClient({ baseUrl: url, apiKey });
  const { key } = await ok(client.DELETE("/admin/keys/{id}", { params: { path: { id } } }));
  return key;
}

/** One line per key: never a secret (the gateway never returns one after creation). */
export function formatKey(key: KeyInfo): string {
  const teams = key.teams === null ? "all teams" : `teams ${key.teams.join(",")}`;
  const state = key.revoked_at ? `revoked ${key.revoked_at}` : "active";
  return `${key.id}  ${key.prefix}…  ${key.scopes.join(",")}  ${teams}  ${key.name ?? "-"}  created ${key.created_at}  last used ${key.last_used_at ?? "never"}  ${state}`;
}
