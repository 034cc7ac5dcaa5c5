import type { SyncBackend } from "@memoria/sync-core";
import type { Pool } from "@neondatabase/serverless";
import { check, type Verdict } from "./checker.js";
import { runClient, runOp } from "./client.js";
import { Ledger } from "./ledger.js";
import { readFinal, waitForConvergence } from "./observe.js";
import {
  type ChaosPlan,
  FAULT_KINDS,
  type FaultKind,
  makePlan,
  type PlannedFault,
  type PlanSize,
  type RegionName,
} from "./plan.js";
import { startWorld, type World } from "./world.js";

/**
 * One chaos run on one backend: clients and faults at once, then heal, converge, check.
 * Bounded: the clients stop starting operations after `windowMs`, each operation's
 * retries are bounded, a cut pending after its hold, convergence is awaited `convergeMs`.
 */

export interface RunOptions {
  backend: SyncBackend;
  seed: number;
  size: PlanSize;
  windowMs: number;
  convergeMs: number;
  db: Pool;
}

export interface RunReport {
  backend: SyncBackend;
  seed: number;
  ledger: Ledger;
  faults: Record<FaultKind, number>;
  /** What each fault did, in order (`cut b`, `promote a → 200`, …). */
  faultLog: string[];
  convergedMs: number | null;
  /** How long the clients and faults ran. */
  chaosMs: number;
  verdict: Verdict;
}

export async function runChaos(options: RunOptions): Promise<RunReport> {
  const world = await startWorld(options.backend);
  try {
    const plan = makePlan(options.seed, options.size);
    const phase = await chaosPhase(world, plan, options.windowMs);
    // Heal everything: both gates; then the catch-up cron for the last date.
    await Promise.all([world.heal("a"), world.heal("b")]);
    await world.catchUpCron();
    const convergedMs = await waitForConvergence(world, options.db, options.convergeMs);
    const { ledger } = phase;
    const final = await readFinal(world, options.db, ledger.known);
    const verdict = check({
      acks: ledger.acks,
      tainted: ledger.tainted,
      orphanTexts: ledger.orphanTexts,
      final,
      expectedDates: world.cronDates(),
    });
    return { backend: options.backend, seed: options.seed, ...phase, convergedMs, verdict };
  } finally {
    await world.stop();
  }
}

/** The clients run their plans while the faults strike at their points; pending pending are awaited. */
async function chaosPhase(world: World, plan: ChaosPlan, windowMs: number) {
  const ledger = new Ledger();
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const faultLog: string[] = [];
  const started = Date.now();
  let clientsDone = false;
  const ticker = tickEvery(world, 1_500);
  const pending: Array<Promise<void>> = [];
  const monkey = (async () => {
    for (const fault of plan.faults) {
      // Faults left when the clients are done still strike: the convergence must ride them out.
      while (ledger.completed < fault.afterOps && !clientsDone)
        await new Promise((resolve) => setTimeout(resolve, 50));
      faults[fault.kind]++;
      faultLog.push(await strike(world, fault, pending, ledger));
    }
  })();
  await Promise.all(
    plan.clients.map((ops, n) => runClient(world, ledger, n, ops, started + windowMs)),
  ).finally(() => {
    clientsDone = true;
  });
  await monkey;
  await ticker.stop();
  await Promise.all(pending);
  return { ledger, faults, faultLog, chaosMs: Date.now() - started };
}

async function strike(
  world: World,
  fault: PlannedFault,
  pending: Array<Promise<void>>,
  ledger: Ledger,
): Promise<string> {
  const { kind, region } = fault;
  try {
    switch (kind) {
      case "restart":
        await world.restart(region);
        return `restart ${region}`;
      case "cut":
        await world.cut(region);
        pending.push(healLater(world, region, fault.holdMs));
        return `cut ${region} for ${fault.holdMs} ms`;
      case "cron":
        return fault.isolate
          ? isolatedCron(world, fault, pending, ledger)
          : `duplicate cron for ${(await world.duplicateCron()).date}`;
      case "promote": {
        const { status, detail } = await world.promote(region);
        // An operator's action is held to the API's rule: a refusal, or a 503, never a 500.
        if (status >= 500 && status !== 503)
          ledger.unexpected.push({
            op: "fault",
            method: "POST",
            path: `/admin/promote (${region})`,
            status,
            detail,
          });
        return `promote ${region} → ${status}`;
      }
    }
  } catch (error) {
    return `${kind} ${region} failed: ${(error as Error).message}`;
  }
}

/**
 * The decrement bug's conditions, on purpose: the region that does not lead is cut off,
 * both crons fire twice for the next day (the leader marks it; the cut-off region's runs
 * retry its transport and are not awaited), then that region takes text updates that
 * have not seen the mark; it heals `holdMs` after the cut.
 */
async function isolatedCron(
  world: World,
  fault: PlannedFault,
  pending: Array<Promise<void>>,
  ledger: Ledger,
): Promise<string> {
  const leader = (await world.leader()) ?? (fault.region === "a" ? "b" : "a");
  const cut = leader === "a" ? "b" : "a";
  await world.cut(cut);
  pending.push(healLater(world, cut, fault.holdMs));
  const { date, rest } = await world.duplicateCron([leader], [cut]);
  pending.push(rest);
  for (const [n, op] of fault.stragglers.entries())
    await runOp(world, ledger, `straggler-${date}#${n}`, { ...op, region: cut });
  return `duplicate cron for ${date} led by ${leader}, ${cut} cut for ${fault.holdMs} ms`;
}

function healLater(world: World, region: RegionName, afterMs: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, afterMs)).then(() =>
    world.heal(region),
  );
}

/**
 * The minute cron, accelerated: each region every `everyMs` until stopped, each on its
 * own, so a region whose cron retries a cut-off transport does not hold up the other's
 * (the leader must keep renewing its lease).
 */
function tickEvery(world: World, everyMs: number): { stop(): Promise<void> } {
  let stopped = false;
  const loops = (["a", "b"] as const).map(async (region) => {
    while (!stopped) {
      await world.tick(undefined, [region]).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
