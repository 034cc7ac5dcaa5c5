import type { Pool } from "@neondatabase/serverless";
import { API_KEY } from "./deployment.js";
import { REGIONS, type RegionName } from "./plan.js";
import type { World } from "./world.js";

/** The final state of both regions: their stores as stored, and what their API answers. */

export interface RowState {
  id: string;
  status: "live" | "redacted" | "deleted";
  hlc: string;
  origin: string;
  text: string | null;
  /** x as stored (before the decrement marks are subtracted). */
  x: number | null;
  y: number | null;
  z: number | null;
  anchor: string | null;
  x_hlc?: string;
}

export interface ApiView {
  status: number;
  /** x as readers see it (decremented), for a 200. */
  x?: number;
}

export interface FinalState {
  rows: Record<RegionName, Map<string, RowState>>;
  /** Decrement marks: local date → HLC. */
  marks: Record<RegionName, Map<string, string>>;
  /** `GET /memory/:id` in each region, for every record either store or the ledger knows. */
  api: Record<RegionName, Map<string, ApiView>>;
}

export async function readStores(
  world: World,
  db: Pool,
): Promise<Pick<FinalState, "rows" | "marks">> {
  const rows = { a: new Map<string, RowState>(), b: new Map<string, RowState>() };
  const marks = { a: new Map<string, string>(), b: new Map<string, string>() };
  for (const region of REGIONS) {
    const s = `"${world.schema[region]}"`;
    const stored = await db.query(
      `select to_jsonb(m) as row from ${s}.memories m where namespace = $1`,
      [world.namespace],
    );
    for (const { row } of stored.rows as Array<{ row: Record<string, unknown> }>)
      rows[region].set(String(row.id), rowState(row));
    const marked = await db.query(
      `select to_char(date, 'YYYY-MM-DD') as date, hlc from ${s}.decrements where namespace = $1`,
      [world.namespace],
    );
    for (const mark of marked.rows as Array<{ date: string; hlc: string }>)
      marks[region].set(mark.date, mark.hlc);
  }
  return { rows, marks };
}

function rowState(row: Record<string, unknown>): RowState {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: String(row.id),
    status: row.status as RowState["status"],
    hlc: String(row.hlc),
    origin: String(row.origin),
    text: (row.text as string | null) ?? null,
    x: num(row.x),
    y: num(row.y),
    z: num(row.z),
    anchor: (row.anchor as string | null) ?? null,
    ...(typeof row.x_hlc === "string" ? { x_hlc: row.x_hlc } : {}),
  };
}

export async function readFinal(
  world: World,
  db: Pool,
  ids: Iterable<string>,
): Promise<FinalState> {
  const stores = await readStores(world, db);
  const all = new Set([...ids, ...stores.rows.a.keys(), ...stores.rows.b.keys()]);
  const api = { a: new Map<string, ApiView>(), b: new Map<string, ApiView>() };
  const jobs = [...all].flatMap((id) => REGIONS.map((region) => ({ id, region })));
  // Eight requests at a time: enough to be quick, few enough not to crowd two workerds.
  for (let i = 0; i < jobs.length; i += 8)
    await Promise.all(
      jobs.slice(i, i + 8).map(async ({ id, region }) => {
        api[region].set(id, await view(world, region, id));
      }),
    );
  return { ...stores, api };
}

async function view(world: World, region: RegionName, id: string): Promise<ApiView> {
  const response = await fetch(`${world.url(region)}/memory/${id}`, {
    headers: { "x-api-key": API_KEY },
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status };
  }
  const body = (await response.json()) as { memory: { x: number } };
  return { status: 200, x: body.memory.x };
}

/**
 * Runs both crons until the outboxes and lags are empty and two readings of both stores
 * in a row are the same, or `timeoutMs` passes. Returns how long it took, or null.
 */
export async function waitForConvergence(
  world: World,
  db: Pool,
  timeoutMs: number,
): Promise<number | null> {
  const started = Date.now();
  let previous = "";
  while (Date.now() - started < timeoutMs) {
    await world.tick();
    const quiet = (await Promise.all(REGIONS.map((r) => syncQuiet(world, r)))).every(Boolean);
    const digest = JSON.stringify(await readStores(world, db), (_, v) =>
      v instanceof Map ? [...v.entries()].sort() : v,
    );
    if (quiet && digest === previous) return Date.now() - started;
    previous = digest;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return null;
}

async function syncQuiet(world: World, region: RegionName): Promise<boolean> {
  const response = await fetch(`${world.url(region)}/health/sync`, {
    headers: { "x-api-key": API_KEY },
  }).catch(() => undefined);
  if (!response) return false;
  const health = (await response.json().catch(() => ({}))) as {
    outbox?: { unpublished: number };
    lag?: { events: number };
  };
  return health.outbox?.unpublished === 0 && health.lag?.events === 0;
}
