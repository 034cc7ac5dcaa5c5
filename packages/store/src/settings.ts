import type { StoreContext } from "./context.js";
import { inTransaction, withClient } from "./sql.js";

/** Settings changed through `PATCH /settings`, as dotted keys; they override toml and env. */
export async function readSettings(ctx: StoreContext): Promise<Record<string, unknown>> {
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(`select key, value from ${ctx.s}.settings order by key`);
    return Object.fromEntries(rows.map((row) => [row.key as string, row.value]));
  });
}

/** The stored overrides with the version they were read at; `overrides` only when it differs from `known`. */
export interface StampedSettings {
  version: number;
  overrides?: Record<string, unknown>;
}

/**
 * What a cache of the settings needs per request: the version (migration 7's trigger
 * moves it with every change), and the overrides only when they changed since `known`.
 * One statement, so version and overrides come from one snapshot.
 */
export async function readSettingsIfChanged(
  ctx: StoreContext,
  known: number | undefined,
): Promise<StampedSettings> {
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `select v.version::text as version,
              case when v.version is distinct from $1::bigint then
                (select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) from ${ctx.s}.settings)
              end as overrides
       from ${ctx.s}.settings_version v`,
      [known ?? null],
    );
    const row = rows[0];
    if (!row) throw new Error(`${ctx.s}.settings_version is empty: run the store's migrations`);
    const version = Number(row.version);
    const overrides = row.overrides as Record<string, unknown> | null;
    return overrides === null ? { version } : { version, overrides };
  });
}

/** Replaces the stored overrides with `overrides` in one transaction (the caller validated them). */
export async function writeSettings(
  ctx: StoreContext,
  overrides: Record<string, unknown>,
): Promise<void> {
  await inTransaction(ctx.pool, async (client) => {
    await client.query(`delete from ${ctx.s}.settings where not (key = any($1::text[]))`, [
      Object.keys(overrides),
    ]);
    for (const [key, value] of Object.entries(overrides)) {
      await client.query(
        `insert into ${ctx.s}.settings (key, value) values ($1, $2::jsonb)
         on conflict (key) do update set value = excluded.value, updated_at = now()`,
        [key, JSON.stringify(value)],
      );
    }
  });
}

export async function readMetadata(ctx: StoreContext, key: string): Promise<unknown> {
  return withClient(ctx.pool, async (client) => {
    const { rows } = await client.query(
      `select value from ${ctx.s}.service_metadata where key = $1`,
      [key],
    );
    return rows[0]?.value;
  });
}

export async function writeMetadata(ctx: StoreContext, key: string, value: unknown): Promise<void> {
  await withClient(ctx.pool, (client) =>
    client.query(
      `insert into ${ctx.s}.service_metadata (key, value) values ($1, $2::jsonb)
       on conflict (key) do update set value = excluded.value, updated_at = now()`,
      [key, JSON.stringify(value)],
    ),
  );
}
