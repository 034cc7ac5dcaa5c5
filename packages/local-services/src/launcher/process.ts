import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { sleep } from "../net";

export const execFileAsync = promisify(execFile);

/**
 * Where servers get their temp dirs: $MEMORIA_LOCAL_SERVICES_TMP, else
 * /dev/shm when writable (a tmpfs: copying a Postgres data dir there takes
 * ~70 ms instead of ~650 ms on this machine's disk), else the OS temp dir.
 */
export function scratchDir(): string {
  const fromEnv = process.env.MEMORIA_LOCAL_SERVICES_TMP;
  if (fromEnv) return fromEnv;
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

/** A user to run a server as (Postgres refuses to run as root). */
export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

export interface ManagedProcessOptions {
  /** For messages and `processes()`. */
  name: string;
  command: string;
  args: string[];
  /** stdout and stderr go to this file. */
  logFile: string;
  cwd?: string;
  runAs?: RunAs;
  env?: NodeJS.ProcessEnv;
}

/**
 * A server process in its own process group (so stopping it takes its
 * children too), with its output in a log file. Every live one is known to
 * `killAllManagedSync`, which runs on process exit as a last resort.
 */
export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #exitCode: number | null | undefined;
  #stopping: Promise<void> | undefined;
  /** Temp dirs removed when the process is stopped (or at exit). */
  readonly cleanupDirs: string[] = [];

  private constructor(name: string, child: ChildProcess, logFile: string) {
    if (child.pid === undefined) throw new Error(`${name}: spawn gave no pid`);
    this.name = name;
    this.pid = child.pid;
    this.logFile = logFile;
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once("exit", (code) => {
        this.#exitCode = code;
        resolve();
      });
    });
    live.add(this);
  }

  static async start(options: ManagedProcessOptions): Promise<ManagedProcess> {
    const log = openSync(options.logFile, "a");
    try {
      const child = spawn(options.command, options.args, {
        detached: true,
        stdio: ["ignore", log, log],
        cwd: options.cwd,
        env: options.env ?? process.env,
        ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
      });
      await new Promise<void>((resolve, reject) => {
        child.once("spawn", resolve);
        child.once("error", reject);
      });
      // The child's own handles keep it alive; ours must not keep Node alive.
      child.unref();
      return new ManagedProcess(options.name, child, options.logFile);
    } finally {
      closeSync(log);
    }
  }

  get running(): boolean {
    return this.#exitCode === undefined;
  }

  /** The last lines of the log, for error messages. */
  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /**
   * Sends `signal` to the process, waits up to `timeoutMs` for it to exit, then
   * SIGKILLs its whole process group; removes its temp dirs. Idempotent.
   */
  stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 10_000): Promise<void> {
    this.#stopping ??= this.#stop(signal, timeoutMs);
    return this.#stopping;
  }

  async #stop(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    // Postgres backends call setsid(), so the process group does not hold them:
    // note every descendant now and make sure each is gone at the end. Only
    // while ours runs: a pid that has exited may already belong to a stranger.
    const family = this.running
      ? [this.pid, ...descendants(this.pid)].flatMap((pid) => identify(pid) ?? [])
      : [];
    if (this.running) {
      // While stopping, the child must hold Node open, or a script whose last
      // work is this stop would exit before the child's 'exit' arrives.
      this.#child.ref();
      signalQuietly(this.pid, signal);
      if (!(await exitsWithin(this.#exited, timeoutMs))) {
        signalQuietly(-this.pid, "SIGKILL");
        await exitsWithin(this.#exited, 2_000);
      }
    }
    // Children that outlived their parent (a backend mid-shutdown) go too. Safe
    // after exit: a pid is not reused while its process group has members.
    await killGroup(this.pid);
    await killAll(family);
    live.delete(this);
    removeDirs(this.cleanupDirs);
  }

  /** Synchronous last resort (process exit): SIGKILL the group, remove dirs. */
  killSync(): void {
    if (this.running) for (const pid of descendants(this.pid)) signalQuietly(pid, "SIGKILL");
    // Safe after exit too: a pid is not reused while its process group has members.
    signalQuietly(-this.pid, "SIGKILL");
    live.delete(this);
    removeDirs(this.cleanupDirs);
  }
}

const live = new Set<ManagedProcess>();

/** True if `exited` settles within `ms`; the timer is cleared either way. */
async function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([exited.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every managed process still running (for tests and diagnostics). */
export function liveManagedProcesses(): ManagedProcess[] {
  return [...live];
}

/** SIGKILLs every managed process group and removes their dirs, synchronously. */
export function killAllManagedSync(): void {
  for (const managed of [...live]) managed.killSync();
}

process.once("exit", killAllManagedSync);

/**
 * True while a process (or, for a negative number, a process group) exists and
 * is not a zombie. Zombies count as gone: an orphan is reaped by whoever is
 * PID 1, which is not ours to wait for.
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  if (pid < 0) return listProcesses().some((p) => p.pgid === -pid && p.state !== "Z");
  const info = readStat(pid);
  return info === undefined ? true : info.state !== "Z";
}

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  /** Start time in clock ticks since boot: with the pid, names one process even after pid reuse. */
  start: string;
}

/** A process named so that a later, unrelated process with a recycled pid is not mistaken for it. */
interface ProcIdentity {
  pid: number;
  start: string;
}

function identify(pid: number): ProcIdentity | undefined {
  const info = readStat(pid);
  return info ? { pid, start: info.start } : undefined;
}

function stillThere({ pid, start }: ProcIdentity): boolean {
  const info = readStat(pid);
  return info !== undefined && info.start === start && info.state !== "Z";
}

function readStat(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      pid,
      state: rest[0] ?? "?",
      ppid: Number(rest[1]),
      pgid: Number(rest[2]),
      start: rest[19] ?? "",
    };
  } catch {
    return undefined;
  }
}

function listProcesses(): ProcInfo[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return []; // not Linux: process-group kill is all we have
  }
  const out: ProcInfo[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readStat(Number(entry));
    if (info) out.push(info);
  }
  return out;
}

/** Every live descendant of `pid` (from /proc; empty where there is none). */
export function descendants(pid: number): number[] {
  const all = listProcesses();
  const found: number[] = [];
  const queue = [pid];
  for (let guard = 0; queue.length > 0 && guard < 10_000; guard++) {
    const parent = queue.shift();
    for (const p of all) {
      if (p.ppid === parent && p.state !== "Z") {
        found.push(p.pid);
        queue.push(p.pid);
      }
    }
  }
  return found;
}

async function killGroup(pgid: number): Promise<void> {
  // Bounded: at most 40 checks over ~2 s after one SIGKILL.
  if (!processExists(-pgid)) return;
  signalQuietly(-pgid, "SIGKILL");
  for (let i = 0; i < 40 && processExists(-pgid); i++) await sleep(50);
}

async function killAll(family: ProcIdentity[]): Promise<void> {
  // Give each up to ~3 s to exit on its own (a backend notices its postmaster is
  // gone), then SIGKILL; bounded in count.
  for (let i = 0; i < 60 && family.some(stillThere); i++) await sleep(50);
  for (const member of family.filter(stillThere)) signalQuietly(member.pid, "SIGKILL");
  for (let i = 0; i < 40 && family.some(stillThere); i++) await sleep(50);
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

function removeDirs(dirs: string[]): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
