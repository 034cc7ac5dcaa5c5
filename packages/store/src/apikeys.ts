import { type ApiKeyState, type ApiScope, apiKeyStateSchema, newEventId } from "@memoria/sync-core";
import type { StoreContext } from "./context.js";
import { enqueueEvent, writeHlc } from "./events.js";
import { inTransaction, type SqlClient, withClient } from "./sql.js";

/**
 * API keys: created and revoked here, replicated to every region as signed events
 * (`apikey.upserted`, `apikey.revoked`) carrying the whole state but never the secret.
 * Merge: the higher HLC wins, except that a revoked key stays revoked whatever arrives
 * later (a revocation is never undone by an older or concurrent upsert).
 */

/** A key as listings show it: no hash. `last_used_at` is this region's own. */
export type ApiKeyInfo = Omit<ApiKeyState, "hash"> & { last_used_at: string | null };
/** A key as authentication needs it. */
export type ApiKeyRecord = ApiKeyInfo & { hash: string };

export interface NewApiKey {
  hash: string;
  prefix: string;
  name: string | null;
  scopes: ApiScope[];
  teams: string[] | null;
}

const COLUMNS = `id, namespace, prefix, hash, name, scopes, teams, created_at, revoked_at, last_used_at`;

function toRecord(row: Record<string, unknown>): ApiKeyRecord {
  const time = (value: unknown) => (value == null ? null : new Date(value as string).toISOString());
  return {
    id: row.id as string,
    namespace: row.namespace as string,
    prefix: row.prefix as string,
    hash: row.hash as string,
    name: (row.name as string | null) ?? null,
    scopes: row.scopes as ApiScope[],
    teams: (row.teams as string[] | null) ?? null,
    created_at: time(row.created_at) as string,
    revoked_at: time(row.revoked_at),
    last_used_at: time(row.last_used_at),
  };
}

function stateOf(record: ApiKeyRecord): ApiKeyState {
  const { last_used_at: _ignored, ...state } = record;
  return state;
}

export async function createApiKey(ctx: StoreContext, input: NewApiKey): Promise<ApiKeyRecord> {
  return inTransaction(ctx.pool, async (client) => {
    const hlc = writeHlc(ctx);
    const { rows } = await client.query(
      `insert into ${ctx.s}.api_keys (id, namespace, prefix, hash, name, scopes, teams, created_at, hlc, origin)
       values ($1, $2, $3, $4, $5, $6::text[], $7::text[], now(), $8, $9) returning ${COLUMNS}`,
      [
        newEventId(),
        ctx.namespace,
        input.prefix,
        input.hash,
        input.name,
        input.scopes,
        input.teams,
        hlc,
        ctx.region,
      ],
    );
    const record = toRecord(rows[0] as Record<string, unknown>);
    await enqueueKeyEvent(client, ctx, "apikey.upserted", record, hlc);
    return record;
  });
}

/** Revokes a key of this namespace; `undefined` when there is none. Revoking twice changes nothing. */
export async function revokeApiKey(
  ctx: StoreContext,
  id: string,
): Promise<ApiKeyRecord | undefined> {
  return inTransaction(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `select ${COLUMNS}, hlc from ${ctx.s}.api_keys where id = $1 and namespace = $2 for update`,
      [id, ctx.namespace],
    );
    const row = rows[0] as Record<string, unknown> | undefined;
    if (!row) return undefined;
    if (row.revoked_at != null) return toRecord(row);
    const hlc = writeHlc(ctx, row.hlc as string);
    const { rows: updated } = await client.query(
      `update ${ctx.s}.api_keys set revoked_at = now(), hlc = $2, origin = $3 where id = $1 returning ${COLUMNS}`,
      [id, hlc, ctx.region],
    );
    const record = toRecord(updated[0] as Record<string, unknown>);
    await enqueueKeyEvent(client, ctx, "apikey.revoked", record, hlc);
    return record;
  });
}

async function enqueueKeyEvent(
  client: SqlClient,
  ctx: StoreContext,
  action: "apikey.upserted" | "apikey.revoked",
  record: ApiKeyRecord,
  hlc: string,
): Promise<void> {
  await enqueueEvent(client, ctx, {
    action,
    entityType: "apikey",
    entityId: record.id,
    hlc,
    privacy: null,
    payload: { ...stateOf(record) },
  });
}

export async function listApiKeys(ctx: StoreContext): Promise<ApiKeyInfo[]> {
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `select ${COLUMNS} from ${ctx.s}.api_keys where namespace = $1 order by created_at, id`,
      [ctx.namespace],
    );
    return rows.map((row) => {
      const { hash: _never, ...info } = toRecord(row as Record<string, unknown>);
      return info;
    });
  });
}

/** The key whose SHA-256 is `hash`, revoked or not (the caller decides), of any namespace. */
export async function findApiKey(
  ctx: StoreContext,
  hash: string,
): Promise<ApiKeyRecord | undefined> {
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `select ${COLUMNS} from ${ctx.s}.api_keys where hash = $1`,
      [hash],
    );
    return rows[0] ? toRecord(rows[0] as Record<string, unknown>) : undefined;
  });
}

/** Notes a use; at most one write a minute per key, so reads do not become writes. */
export async function touchApiKey(ctx: StoreContext, id: string): Promise<void> {
  await withClient(ctx.pool, (client) =>
    client.query(
      `update ${ctx.s}.api_keys set last_used_at = now()
       where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')`,
      [id],
    ),
  );
}

/** A peer's key event, checked: `undefined` when its payload is not a key of the event's namespace. */
export function keyStateOf(event: {
  entity_id: string;
  namespace: string;
  payload?: Record<string, unknown> | undefined;
}): ApiKeyState | undefined {
  const parsed = apiKeyStateSchema.safeParse(event.payload);
  if (!parsed.success) return undefined;
  if (parsed.data.id !== event.entity_id || parsed.data.namespace !== event.namespace)
    return undefined;
  return parsed.data;
}

/**
 * Upserts peers' key states (one winner per key, chosen by the caller's fold); returns the
 * ids whose row changed. The `where` is the merge rule in SQL: a revoked row never
 * changes again, and otherwise only a later HLC (or a revocation) replaces it.
 */
export async function upsertKeyStates(
  client: SqlClient,
  ctx: StoreContext,
  states: ReadonlyArray<{ state: ApiKeyState; hlc: string; origin: string }>,
): Promise<Set<string>> {
  const changed = new Set<string>();
  for (const { state, hlc, origin } of [...states].sort((a, b) =>
    a.state.id < b.state.id ? -1 : 1,
  )) {
    const { rows } = await client.query(
      `insert into ${ctx.s}.api_keys (id, namespace, prefix, hash, name, scopes, teams, created_at, revoked_at, hlc, origin)
       values ($1, $2, $3, $4, $5, $6::text[], $7::text[], $8, $9, $10, $11)
       on conflict (id) do update set namespace = excluded.namespace, prefix = excluded.prefix,
         hash = excluded.hash, name = excluded.name, scopes = excluded.scopes, teams = excluded.teams,
         created_at = excluded.created_at, revoked_at = excluded.revoked_at, hlc = excluded.hlc, origin = excluded.origin
       where ${ctx.s}.api_keys.revoked_at is null
         and (excluded.revoked_at is not null or excluded.hlc > ${ctx.s}.api_keys.hlc)
       returning id`,
      [
        state.id,
        state.namespace,
        state.prefix,
        state.hash,
        state.name,
        state.scopes,
        state.teams,
        state.created_at,
        state.revoked_at,
        hlc,
        origin,
      ],
    );
    if (rows.length > 0) changed.add(state.id);
  }
  return changed;
}
