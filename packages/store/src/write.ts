import { compareHlc, deterministicEventId, newEventId, spaceOf } from "@memoria/sync-core";
import type { StoreContext } from "./context.js";
import { addCounters, privacyFiltered } from "./counters.js";
import { enqueueEvent, writeHlc } from "./events.js";
import {
  contentOf,
  type Memory,
  type MemoryFields,
  type MemoryFieldsInput,
  type MemoryPatch,
  type MemorySnapshot,
  memoryFieldsSchema,
  rowToMemory,
} from "./memory.js";
import { EFFECTIVE_X, type TeamScope, teamClause } from "./reads.js";
import { recordColumns, upsertRecords } from "./record-sql.js";
import { inTransaction, type SqlClient } from "./sql.js";
import { contentRoute } from "./transit.js";

/**
 * Writes: the memory row and the event for peers commit in ONE transaction, so an
 * acknowledged write is never without its event and an event never without its write.
 * The event is decided by this region's band (what may leave): content when the new y is
 * inside, a redaction (id and clock, no content) otherwise.
 */

export interface WriteResult {
  /** True when an Idempotency-Key named a memory that already existed: nothing was written. */
  replayed?: boolean;
  memory: Memory;
  /** HLC of the write; with the region it forms the sync token. */
  hlc: string;
  /** Event ids queued for peers (none when the record may not leave this region). */
  events: string[];
}

export class MemoryNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`memory ${id} not found`);
    this.name = "MemoryNotFoundError";
  }
}

export interface CreateOptions {
  now?: Date;
  /**
   * The client's `Idempotency-Key`. The memory id is derived from it, so a retried create
   * — here or, after a failover, in another region — names the same record: here it
   * returns the existing one, across regions the two copies merge into one.
   */
  idempotencyKey?: string;
}

/**
 * Memory id for an idempotency key: stable across retries, regions and time. The team is
 * part of it, so two teams' clients that happen to reuse a key get two records, and a
 * team-bound key can never be handed another team's record as its "replay". (Without a
 * team the id is what it always was.)
 */
export function idForIdempotencyKey(namespace: string, key: string, team: string | null): string {
  const scope = team === null ? namespace : `${namespace}\u0000team:${team}`;
  return deterministicEventId(0, `memoria-idempotency\u0000${scope}\u0000${key}`);
}

export class IdempotencyConflictError extends Error {
  constructor(readonly id: string) {
    super(`the memory created with this Idempotency-Key (${id}) has since been deleted`);
    this.name = "IdempotencyConflictError";
  }
}

export async function createMemory(
  ctx: StoreContext,
  input: MemoryFieldsInput,
  options: CreateOptions = {},
): Promise<WriteResult> {
  const now = options.now ?? new Date();
  const fields = memoryFieldsSchema.parse(input);
  const id =
    options.idempotencyKey === undefined
      ? newEventId(now.getTime())
      : idForIdempotencyKey(ctx.namespace, options.idempotencyKey, fields.team);
  return inTransaction(ctx.pool, async (client) => {
    if (options.idempotencyKey !== undefined) {
      const { rows } = await client.query(
        `select status, hlc from ${ctx.s}.memories where namespace = $1 and id = $2 for update`,
        [ctx.namespace, id],
      );
      if (rows[0]?.status === "live") {
        const { memory: existing } = await lockLive(client, ctx, id);
        return { memory: existing, hlc: existing.hlc, events: [], replayed: true };
      }
      if (rows[0]) throw new IdempotencyConflictError(id);
    }
    const hlc = writeHlc(ctx, await latestMark(client, ctx));
    const snapshot: MemorySnapshot = {
      ...fields,
      id,
      namespace: ctx.namespace,
      timestamp: fields.timestamp ?? now.toISOString(),
      x_hlc: hlc,
    };
    const row = await writeLive(client, ctx, snapshot, hlc);
    const events = await queueFor(client, ctx, "memory.created", snapshot, hlc);
    return { memory: rowToMemory(row), hlc, events };
  });
}

/**
 * `teams`: a team-bound caller changes only its teams' records; others are not found.
 *
 * x is a register of its own: only a patch whose x differs from the x it reads here (the
 * decremented x) sets it, at this write's HLC. Any other write keeps the stored x and the
 * HLC it was set at, so a day's mark this region has not received yet still counts when it
 * arrives. Sending back the x just read — as clients that PUT the whole record do — is
 * therefore not a set.
 */
export async function updateMemory(
  ctx: StoreContext,
  id: string,
  patch: MemoryPatch,
  teams?: TeamScope,
): Promise<WriteResult> {
  return inTransaction(ctx.pool, async (client) => {
    const { memory: before, register } = await lockLive(client, ctx, id, teams);
    const fields: MemoryFields = memoryFieldsSchema.parse({ ...contentOf(before), ...patch });
    // After every mark known here, so an x set now is not decremented by one already applied.
    let hlc = writeHlc(ctx, maxHlc(before.hlc, await latestMark(client, ctx)));
    const moved: string[] = [];
    if ((before.team ?? null) !== (fields.team ?? null)) {
      // Leaving a team space: regions serving only the old space would never see the
      // update (it travels in the new space), so the old space is told to forget the record
      // first, and the update gets a later clock, so regions serving both keep the update.
      moved.push(...(await queueLeave(client, ctx, id, before.team ?? null, before.y, hlc)));
      hlc = writeHlc(ctx, hlc);
    }
    const setsX = patch.x !== undefined && patch.x !== before.x;
    const snapshot: MemorySnapshot = {
      ...fields,
      id,
      namespace: ctx.namespace,
      timestamp: fields.timestamp ?? before.timestamp,
      ...(setsX ? { x: fields.x, x_hlc: hlc } : register),
    };
    const row = await writeLive(client, ctx, snapshot, hlc);
    const events = await queueFor(client, ctx, "memory.updated", snapshot, hlc);
    return {
      memory: rowToMemory({ ...row, effective_x: fields.x }),
      hlc,
      events: [...moved, ...events],
    };
  });
}

export async function deleteMemory(
  ctx: StoreContext,
  id: string,
  teams?: TeamScope,
): Promise<{ hlc: string; events: string[] }> {
  return inTransaction(ctx.pool, async (client) => {
    const { memory: current } = await lockLive(client, ctx, id, teams);
    const hlc = writeHlc(ctx, current.hlc);
    // The same statement a peer's tombstone goes through: every content column cleared.
    await upsertRecords(client, ctx, [
      { namespace: ctx.namespace, id, status: "deleted", hlc, origin: ctx.region },
    ]);
    // Always sent, whatever our copy's y: a peer may hold a newer or separate in-band copy
    // (a write it took while we were cut off), and a tombstone carries no content.
    const event = await enqueueEvent(client, ctx, {
      action: "memory.deleted",
      entityType: "memory",
      entityId: id,
      hlc,
      privacy: null,
      space: spaceOf(ctx.namespace, ctx.spaces.prefix, current.team),
    });
    return { hlc, events: event ? [event.id] : [] };
  });
}

/**
 * The newest decrement mark of our namespace: a new write must come after it, or a
 * decrement that already happened here would be subtracted from the x just written.
 */
async function latestMark(client: SqlClient, ctx: StoreContext): Promise<string | undefined> {
  const { rows } = await client.query(
    `select max(hlc) as hlc from ${ctx.s}.decrements where namespace = $1`,
    [ctx.namespace],
  );
  return (rows[0]?.hlc as string | null) ?? undefined;
}

function maxHlc(a: string, b: string | undefined): string {
  return b !== undefined && compareHlc(b, a) > 0 ? b : a;
}

/** A live record locked for a write: as readers see it, and its x register as stored. */
async function lockLive(
  client: SqlClient,
  ctx: StoreContext,
  id: string,
  teams?: TeamScope,
): Promise<{ memory: Memory; register: { x: number; x_hlc: string } }> {
  const params: unknown[] = [ctx.namespace, id];
  const scoped = teamClause(teams, params);
  const { rows } = await client.query(
    `select ${recordColumns("m")}, ${EFFECTIVE_X(ctx.s)} from ${ctx.s}.memories m
     where m.namespace = $1 and m.id = $2 and m.status = 'live'${scoped} for update of m`,
    params,
  );
  const row = rows[0];
  if (!row) throw new MemoryNotFoundError(id);
  // A row from before x_hlc existed had x set at its own HLC (as `EFFECTIVE_X` reads it).
  const register = { x: Number(row.x), x_hlc: (row.x_hlc ?? row.hlc) as string };
  return { memory: rowToMemory(row), register };
}

/** Writes this region's live row, whatever state (none, redacted, live) it was in. */
async function writeLive(
  client: SqlClient,
  ctx: StoreContext,
  snapshot: MemorySnapshot,
  hlc: string,
): Promise<Record<string, unknown>> {
  const [row] = await upsertRecords(client, ctx, [
    {
      namespace: snapshot.namespace,
      id: snapshot.id,
      status: "live",
      hlc,
      origin: ctx.region,
      content: snapshot,
    },
  ]);
  return row as Record<string, unknown>;
}

async function queueFor(
  client: SqlClient,
  ctx: StoreContext,
  action: "memory.created" | "memory.updated",
  snapshot: MemorySnapshot,
  hlc: string,
): Promise<string[]> {
  // Content only when the new y may leave (`contentRoute`); otherwise a redaction, even
  // when our own copy was already outside the band: a peer may hold an in-band copy newer
  // than ours (written there while we were cut off), and a redaction carries no content.
  const route = contentRoute(ctx, snapshot.y, snapshot.team);
  const leaves = route.leaves;
  const space = spaceOf(ctx.namespace, ctx.spaces.prefix, snapshot.team);
  const event = route.leaves
    ? await enqueueEvent(client, ctx, {
        action,
        entityType: "memory",
        entityId: snapshot.id,
        hlc,
        privacy: snapshot.y,
        space,
        ...(ctx.realtimeReplication ? { payload: payloadOf(snapshot, hlc) } : {}),
        ...(route.sealFor ? { sealFor: route.sealFor } : {}),
      })
    : await enqueueEvent(client, ctx, {
        action: "memory.redacted",
        entityType: "memory",
        entityId: snapshot.id,
        hlc,
        privacy: snapshot.y,
        space,
      });
  // Counted with the write, in its transaction: once per redaction this band kept local.
  if (event && !leaves)
    await addCounters(client, ctx.s, [privacyFiltered("publisher", "outbound", ctx.region)]);
  return event ? [event.id] : [];
}

/** The redaction a record leaving team space `team` sends to that space. */
async function queueLeave(
  client: SqlClient,
  ctx: StoreContext,
  id: string,
  team: string | null,
  y: number,
  hlc: string,
): Promise<string[]> {
  const event = await enqueueEvent(client, ctx, {
    action: "memory.redacted",
    entityType: "memory",
    entityId: id,
    hlc,
    privacy: y,
    space: spaceOf(ctx.namespace, ctx.spaces.prefix, team),
  });
  return event ? [event.id] : [];
}

/**
 * The event's payload: the snapshot, with `x_hlc` only when this write did not set x. A
 * payload without it sets x at the event's HLC (`record-sql.ts`), so a write that sets x
 * sends what regions from before x_hlc accept (their snapshot schema refuses fields it does
 * not know); only an edit that keeps an older x needs the new field.
 */
function payloadOf(snapshot: MemorySnapshot, hlc: string): Record<string, unknown> {
  const { x_hlc, ...rest } = snapshot;
  return x_hlc === hlc ? rest : { ...snapshot };
}
