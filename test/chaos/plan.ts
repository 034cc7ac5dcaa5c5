import { mulberry32 } from "../integration/support.js";

/**
 * The seeded part of a chaos run: what each client does and which faults strike when.
 * The same seed gives the same plan; the interleaving of the clients (and so which record
 * an update picks among those known at that moment) is the real system's.
 */

export type RegionName = "a" | "b";
export const REGIONS: readonly RegionName[] = ["a", "b"];

export type WriteKind = "create" | "text" | "x" | "y" | "delete";
export type OpKind = WriteKind | "read";

export interface PlannedOp {
  kind: OpKind;
  region: RegionName;
  /** Which known record an update, delete or read picks: an index in [0, 1) of the pool. */
  pick: number;
  /** The y a create or a y update sends. */
  y: number;
  /** The x a create or an x update sends. */
  x: number;
  /** A create sends an Idempotency-Key. */
  keyed: boolean;
  /** A keyed create is sent again to the other region, as a client failing over does. */
  replayElsewhere: boolean;
}

export type FaultKind = "restart" | "cut" | "cron" | "promote";
export const FAULT_KINDS: readonly FaultKind[] = ["restart", "cut", "cron", "promote"];

export interface PlannedFault {
  kind: FaultKind;
  /** The region struck (a duplicate cron strikes both, twice). */
  region: RegionName;
  /** Strikes once this many client operations have completed. */
  afterOps: number;
  /** A cut heals after this long. */
  holdMs: number;
  /**
   * A duplicate cron fires while the region that does not lead is cut off, so the leader
   * marks the day and the other keeps taking writes that have not seen the mark for `holdMs`.
   */
  isolate: boolean;
  /** Text updates sent to the cut-off region once the leader has marked the day. */
  stragglers: PlannedOp[];
}

export interface ChaosPlan {
  seed: number;
  clients: PlannedOp[][];
  faults: PlannedFault[];
}

export interface PlanSize {
  clients: number;
  opsPerClient: number;
  faults: number;
}

const OP_WEIGHTS: Array<[OpKind, number]> = [
  ["create", 30],
  ["text", 18],
  ["x", 14],
  ["y", 8],
  ["delete", 8],
  ["read", 22],
];

export function makePlan(seed: number, size: PlanSize): ChaosPlan {
  const rng = mulberry32(seed);
  const clients = Array.from({ length: size.clients }, () =>
    Array.from({ length: size.opsPerClient }, (_, n) => plannedOp(rng, n)),
  );
  const total = size.clients * size.opsPerClient;
  // Every kind strikes at least once; the rest are drawn. Spread over 5%..85% of the run.
  const kinds = [...FAULT_KINDS, ...Array.from({ length: size.faults - 4 }, () => pick(rng))];
  const faults = shuffle(rng, kinds)
    .map((kind) => ({
      kind,
      region: rng() < 0.5 ? ("a" as const) : ("b" as const),
      afterOps: Math.floor(total * (0.05 + 0.8 * rng())),
      holdMs: 800 + Math.floor(rng() * 2_500),
      isolate: rng() < 0.5,
      stragglers: Array.from(
        { length: 3 },
        (): PlannedOp => ({
          ...plannedOp(rng, 2),
          kind: "text",
        }),
      ),
    }))
    .sort((p, q) => p.afterOps - q.afterOps);
  // Every run has at least one cron with the follower cut off: the decrement's hard case.
  const crons = faults.filter((f) => f.kind === "cron");
  if (!crons.some((f) => f.isolate) && crons[0]) crons[0].isolate = true;
  return { seed, clients, faults };
}

function plannedOp(rng: () => number, n: number): PlannedOp {
  // The first two operations of a client create, so the pool is never empty for long.
  const kind = n < 2 ? "create" : weighted(rng);
  const band = rng();
  // Mostly inside both bands; some below B's floor, some above its ceiling.
  const y =
    band < 0.7
      ? Math.floor(rng() * 13)
      : band < 0.85
        ? -1 - Math.floor(rng() * 15)
        : 13 + Math.floor(rng() * 3);
  const keyed = rng() < 0.4;
  return {
    kind,
    region: rng() < 0.5 ? "a" : "b",
    pick: rng(),
    y,
    x: Math.floor(rng() * 1_000),
    keyed,
    replayElsewhere: keyed && rng() < 0.25,
  };
}

function weighted(rng: () => number): OpKind {
  const total = OP_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  let roll = rng() * total;
  for (const [kind, weight] of OP_WEIGHTS) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return "read";
}

function pick(rng: () => number): FaultKind {
  return FAULT_KINDS[Math.floor(rng() * FAULT_KINDS.length)] as FaultKind;
}

function shuffle<T>(rng: () => number, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** `CHAOS_SEED` when set (to replay a run), else a fresh one. */
export function chaosSeed(): number {
  const fixed = process.env.CHAOS_SEED;
  if (fixed !== undefined && fixed !== "") {
    const seed = Number(fixed);
    if (!Number.isSafeInteger(seed)) throw new Error(`CHAOS_SEED must be an integer: ${fixed}`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 31);
}
