import { mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import { freePort, LOOPBACK, waitUntil } from "../net";
import { ManagedProcess, scratchDir } from "./process";

export interface RedisServerOptions {
  /** The redis-server binary. @default "redis-server" from PATH */
  binary?: string;
  /** Port on 127.0.0.1. @default a free port */
  port?: number;
  /** Start as a replica of this primary (`--replicaof host port`) and wait until the link is up. */
  replicaOf?: { host: string; port: number };
  /** Give up waiting for the server after this long. @default 15000 */
  startTimeoutMs?: number;
}

export interface RedisServer {
  url: string;
  host: string;
  port: number;
  pid: number;
  /** Where its log goes. */
  logFile: string;
  /** Sends one command over a fresh connection; for drills (`["REPLICAOF","NO","ONE"]`). */
  command(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A private redis-server on 127.0.0.1, no persistence, in a temp dir that is
 * removed on stop. Retries on a port taken between choosing and binding it.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await startOnce(options, options.port ?? (await freePort()));
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(options: RedisServerOptions, port: number): Promise<RedisServer> {
  const dir = mkdtempSync(join(scratchDir(), "memoria-redis-"));
  let managed: ManagedProcess;
  try {
    managed = await ManagedProcess.start({
      name: options.replicaOf ? "redis-replica" : "redis",
      command: options.binary ?? "redis-server",
      args: serverArgs(options, port, dir),
      logFile: join(dir, "redis.log"),
      cwd: dir,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start redis-server: ${(error as Error).message}`);
  }
  managed.cleanupDirs.push(dir);

  const command = (cmd: string[]) => redisCommand(port, cmd);
  try {
    await waitUntilReady(options, port, managed, command);
  } catch (error) {
    await managed.stop();
    throw error;
  }
  return {
    url: `redis://${LOOPBACK}:${port}`,
    host: LOOPBACK,
    port,
    pid: managed.pid,
    logFile: managed.logFile,
    command,
    stop: () => managed.stop("SIGTERM"),
  };
}

function serverArgs(options: RedisServerOptions, port: number, dir: string): string[] {
  const args = [
    "--port",
    String(port),
    "--bind",
    LOOPBACK,
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--daemonize",
    "no",
    // A replica's first sync starts at once instead of after the default 5 s.
    "--repl-diskless-sync-delay",
    "0",
  ];
  if (options.replicaOf) {
    args.push("--replicaof", options.replicaOf.host, String(options.replicaOf.port));
  }
  return args;
}

/** PONG, and for a replica a live link to its primary. */
async function waitUntilReady(
  options: RedisServerOptions,
  port: number,
  managed: ManagedProcess,
  command: (cmd: string[]) => Promise<string>,
): Promise<void> {
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  await waitUntil(
    async () => {
      if (!managed.running) throw new Error(`redis-server exited:\n${managed.logTail()}`);
      return (await command(["PING"])) === "PONG";
    },
    { what: `redis-server on port ${port}`, timeoutMs },
  );
  if (!options.replicaOf) return;
  await waitUntil(
    async () => (await command(["INFO", "replication"])).includes("master_link_status:up"),
    { what: `redis replica on port ${port} to sync with its primary`, timeoutMs },
  );
}

/**
 * One RESP command on a fresh TCP connection, answer as text (bulk, simple or
 * integer; errors reject). Small and dependency-free, for readiness checks and
 * drills, not for traffic.
 */
export function redisCommand(port: number, args: string[], timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let data = Buffer.alloc(0);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error("redis command timed out")));
    socket.once("error", fail);
    socket.on("data", (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const reply = parseSimpleReply(data);
      if (reply === undefined) return;
      socket.destroy();
      if (reply instanceof Error) reject(reply);
      else resolve(reply);
    });
    socket.connect(port, LOOPBACK, () => {
      const parts = args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
      socket.write(`*${args.length}\r\n${parts.join("")}`);
    });
  });
}

/** A complete non-array RESP reply as text, an Error, or undefined while incomplete. */
function parseSimpleReply(data: Buffer): string | Error | undefined {
  const lineEnd = data.indexOf("\r\n");
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(data[0] ?? 0);
  const line = data.subarray(1, lineEnd).toString("utf8");
  if (type === "+" || type === ":") return line;
  if (type === "-") return new Error(line);
  if (type === "$") {
    const length = Number(line);
    if (length < 0) return "";
    const start = lineEnd + 2;
    if (data.length < start + length + 2) return undefined;
    return data.subarray(start, start + length).toString("utf8");
  }
  return new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
}
