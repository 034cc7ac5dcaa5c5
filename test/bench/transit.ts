/**
 * `pnpm bench`, transit encryption: what sealing costs an event beside what signing costs it,
 * in Node and in workerd (the gateways' runtime), for a memory of realistic size and a large
 * one (`transit-cases.ts`). Per operation: µs per event p50/p99 and the multiple of HMAC
 * signing measured in the same run and runtime (`x_sign`); the seal's cost per added
 * recipient; the event's size on the wire, clear and sealed for k recipients.
 * Writes test/bench/results/transit-<time>.json.
 */

import { writeResults } from "./results.js";
import { round } from "./stats.js";
import { clockStepMs, type Timing, type TimingBounds, timeOperation } from "./timing.js";
import {
  makeFixture,
  PAYLOADS,
  type PayloadName,
  perAddedRecipient,
  TRANSIT_CASES,
  type TransitCase,
  wireSizes,
} from "./transit-cases.js";
import { startBenchWorker } from "./workerd.js";

const BOUNDS: TimingBounds = {
  caseMs: Number(process.env.BENCH_TRANSIT_CASE_MS ?? 1_500),
  maxEvents: Number(process.env.BENCH_TRANSIT_MAX_EVENTS ?? 250_000),
  batchMs: 40,
  warmupMs: 200,
};
const PAYLOAD_NAMES = Object.keys(PAYLOADS) as PayloadName[];
const CASE_NAMES = Object.keys(TRANSIT_CASES);

type Runner = (caseName: string, payload: PayloadName) => Promise<Timing>;
type RuntimeTimings = Record<PayloadName, Record<string, Timing>>;

async function runAll(runtime: string, run: Runner): Promise<RuntimeTimings> {
  const out = {} as RuntimeTimings;
  for (const payload of PAYLOAD_NAMES) {
    out[payload] = {};
    for (const name of CASE_NAMES) out[payload][name] = await run(name, payload);
    console.log(`${runtime}, ${payload} payload: ${CASE_NAMES.length} operations timed`);
  }
  return out;
}

/** The figure each runtime can give per event: each event timed alone, or a batch's mean. */
function headline(timing: Timing) {
  return timing.per_event_us
    ? { method: "per event", us: timing.per_event_us }
    : { method: "batch mean", us: timing.batch_mean_us };
}

/** Each operation with its multiple of `sign` (p50 over p50, same runtime, payload, method). */
function summarize(timings: RuntimeTimings) {
  return Object.fromEntries(
    PAYLOAD_NAMES.map((payload) => {
      const cases = timings[payload];
      const floor = headline(cases.sign as Timing).us.p50;
      const rows = Object.fromEntries(
        CASE_NAMES.map((name) => {
          const timing = cases[name] as Timing;
          const { method, us } = headline(timing);
          return [name, { us, x_sign: round(us.p50 / floor, 1), method, ...timing }];
        }),
      );
      const p50 = (name: string) => headline(cases[name] as Timing).us.p50;
      const perRecipient = perAddedRecipient((k) => p50(`seal k=${k}`));
      return [payload, { operations: rows, seal_per_added_recipient_us: round(perRecipient, 1) }];
    }),
  );
}

/** One line per operation: p50 / p99 µs and ×sign, per runtime and payload. */
function printTable(summaries: Record<string, ReturnType<typeof summarize>>): void {
  const columns = Object.keys(summaries).flatMap((rt) => PAYLOAD_NAMES.map((p) => [rt, p]));
  const cell = (text: string) => text.padEnd(26);
  console.log(
    "µs per event, p50 / p99 (p50 as a multiple of sign's); node: each event timed alone,",
    "workerd: means of batches (its clock steps in whole ms), p99 over the batches",
  );
  console.log(`${"".padEnd(20)}${columns.map(([rt, p]) => cell(`${rt}, ${p}`)).join("")}`);
  for (const name of CASE_NAMES) {
    const cells = columns.map(([rt, p]) => {
      const row = summaries[rt as string]?.[p as string]?.operations[name];
      return cell(row ? `${row.us.p50} / ${row.us.p99} (${row.x_sign}×)` : "-");
    });
    console.log(`${name.padEnd(20)}${cells.join("")}`);
  }
}

/** The same cases in workerd, one request each, and the clock step they were timed with. */
async function inWorkerd(): Promise<{ clockStepMs: number; timings: RuntimeTimings }> {
  const worker = await startBenchWorker("transit-worker.ts");
  try {
    const clock = await worker.call<{ step_ms: number }>("/clock");
    const timings = await runAll("workerd", (name, payload) =>
      worker.call<Timing>("/", { case: name, payload, bounds: BOUNDS }),
    );
    return { clockStepMs: clock.step_ms, timings };
  } finally {
    await worker.stop();
  }
}

const fixture = await makeFixture();
const node = await runAll("node", (name, payload) =>
  timeOperation((TRANSIT_CASES[name] as TransitCase)(fixture, payload), BOUNDS),
);
const workerd = await inWorkerd();
const summaries = { node: summarize(node), workerd: summarize(workerd.timings) };
printTable(summaries);
const wire = Object.fromEntries(
  await Promise.all(PAYLOAD_NAMES.map(async (p) => [p, await wireSizes(fixture, p)] as const)),
);
console.log(`wire bytes (event JSON): ${JSON.stringify(wire)}`);
const written = await writeResults("transit", {
  bounds: BOUNDS,
  payload_text_bytes: PAYLOADS,
  clock_step_ms: { node: round(clockStepMs(), 6), workerd: workerd.clockStepMs },
  wire_bytes: wire,
  ...summaries,
});
console.log(`written ${written}`);
