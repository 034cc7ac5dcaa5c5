/**
 * CPU time of a benchmark's own processes, read from /proc (Linux): the workerd processes
 * Miniflare started below this one, and this process itself, which hosts the local Upstash
 * and Neon endpoints (and the benchmark's client). Redis and PostgreSQL are shared servers
 * and are not counted.
 */
import { execFileSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";

/** Clock ticks per second of /proc's utime and stime. */
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

export interface CpuSample {
  /** utime + stime of each workerd below this process, seconds, by pid. */
  workerd: Map<number, number>;
  /** process.cpuUsage() of this process (user + system), seconds. */
  bench: number;
}

export interface CpuSpent {
  workerd_s: number;
  bench_process_s: number;
  total_s: number;
  workerd_processes: number;
}

interface Stat {
  pid: number;
  ppid: number;
  comm: string;
  cpuSeconds: number;
}

/** One /proc/<pid>/stat line; comm sits in parentheses and may itself hold spaces or ")". */
function parseStat(text: string): Stat | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  // Fields after ") ": state(3) ppid(4) … utime(14) stime(15), numbered as in proc(5).
  const rest = text.slice(close + 2).split(" ");
  return {
    pid: Number(text.slice(0, open).trim()),
    ppid: Number(rest[1]),
    comm: text.slice(open + 1, close),
    cpuSeconds: (Number(rest[11]) + Number(rest[12])) / CLK_TCK,
  };
}

async function allStats(): Promise<Stat[]> {
  const stats: Stat[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    // A process can exit between readdir and read: skip it.
    const text = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => undefined);
    const stat = text === undefined ? undefined : parseStat(text);
    if (stat) stats.push(stat);
  }
  return stats;
}

/** The workerd processes anywhere below this process (Miniflare may start them through a wrapper). */
export async function sampleCpu(): Promise<CpuSample> {
  const stats = await allStats();
  const children = new Map<number, Stat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const workerd = new Map<number, number>();
  const queue = [process.pid];
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    for (const child of children.get(queue[i] as number) ?? []) {
      queue.push(child.pid);
      if (child.comm === "workerd") workerd.set(child.pid, child.cpuSeconds);
    }
  }
  const own = process.cpuUsage();
  return { workerd, bench: (own.user + own.system) / 1e6 };
}

/** CPU spent between two samples; a workerd started in between counts from zero. */
export function cpuSpent(before: CpuSample, after: CpuSample): CpuSpent {
  let workerd = 0;
  for (const [pid, seconds] of after.workerd) workerd += seconds - (before.workerd.get(pid) ?? 0);
  const bench = after.bench - before.bench;
  return {
    workerd_s: workerd,
    bench_process_s: bench,
    total_s: workerd + bench,
    workerd_processes: after.workerd.size,
  };
}
