import { createHash } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { freePort, LOOPBACK, waitUntil } from "../net";
import { execFileAsync, ManagedProcess, type RunAs, scratchDir } from "./process";

export interface PostgresServerOptions {
  /** Directory holding initdb and postgres. @default $MEMORIA_PG_BIN_DIR, PATH, or the newest /usr/lib/postgresql/<v>/bin */
  binDir?: string;
  /** Port on 127.0.0.1. @default a free port */
  port?: number;
  /** `wal_level=logical`, for a publisher of logical replication. @default false */
  logical?: boolean;
  /**
   * Durability off (`fsync=off`, `synchronous_commit=off`, `full_page_writes=off`):
   * fine for a throwaway test cluster, not for measuring Postgres. @default true
   */
  fast?: boolean;
  /** Give up waiting for the server after this long. @default 30000 */
  startTimeoutMs?: number;
}

export interface PostgresServer {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (trust auth, no password). */
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  pid: number;
  dataDir: string;
  logFile: string;
  /** Stops the cluster: "fast" shutdown (SIGINT) or "immediate" (SIGQUIT, like a crash). */
  stop(mode?: "fast" | "immediate"): Promise<void>;
}

/**
 * A private PostgreSQL cluster on 127.0.0.1 with trust auth, its unix socket
 * in its own temp dir. The data dir is a copy of a template made once by
 * initdb (per Postgres version and user), so a start costs a copy, not an
 * initdb. As root, Postgres runs as the `postgres` user.
 */
export async function startPostgresServer(
  options: PostgresServerOptions = {},
): Promise<PostgresServer> {
  const binDir = options.binDir ?? (await findPostgresBinDir());
  const runAs = await postgresUser();
  const template = await ensureTemplate(binDir, runAs);
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await startOnce(options, binDir, runAs, template, options.port ?? (await freePort()));
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(
  options: PostgresServerOptions,
  binDir: string,
  runAs: RunAs | undefined,
  template: string,
  port: number,
): Promise<PostgresServer> {
  const dir = mkdtempSync(join(scratchDir(), "memoria-pg-"));
  const dataDir = join(dir, "data");
  try {
    if (runAs) chownSync(dir, runAs.uid, runAs.gid);
    // cp -a keeps modes and owners (Postgres insists on a 0700 data dir it owns).
    await execFileAsync("cp", ["-a", template, dataDir]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const args = ["-D", dataDir, ...serverSettings(options, port, dir)];
  let managed: ManagedProcess;
  try {
    managed = await ManagedProcess.start({
      name: options.logical ? "postgres-logical" : "postgres",
      command: join(binDir, "postgres"),
      args,
      logFile: join(dir, "postgres.log"),
      cwd: dir,
      ...(runAs ? { runAs } : {}),
      env: { ...process.env, LC_ALL: "C" },
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start postgres: ${(error as Error).message}`);
  }
  managed.cleanupDirs.push(dir);

  const url = `postgresql://postgres@${LOOPBACK}:${port}/postgres`;
  try {
    await waitUntil(
      async () => {
        if (!managed.running) throw new Error(`postgres exited:\n${managed.logTail()}`);
        return await canQuery(url);
      },
      { what: `postgres on port ${port}`, timeoutMs: options.startTimeoutMs ?? 30_000 },
    );
  } catch (error) {
    await managed.stop("SIGQUIT");
    throw error;
  }
  return {
    url,
    host: LOOPBACK,
    port,
    database: "postgres",
    user: "postgres",
    pid: managed.pid,
    dataDir,
    logFile: managed.logFile,
    stop: (mode = "fast") => managed.stop(mode === "fast" ? "SIGINT" : "SIGQUIT"),
  };
}

/** `-c key=value` pairs: loopback only, our own socket dir, replication ready, fast unless asked. */
function serverSettings(options: PostgresServerOptions, port: number, dir: string): string[] {
  const settings: Record<string, string> = {
    listen_addresses: LOOPBACK,
    port: String(port),
    unix_socket_directories: dir,
    max_connections: "100",
    max_wal_senders: "10",
    max_replication_slots: "10",
    wal_level: options.logical ? "logical" : "replica",
    // In the data dir, not /dev/shm: removed with the dir even after a SIGKILL.
    dynamic_shared_memory_type: "mmap",
  };
  if (options.fast ?? true) {
    Object.assign(settings, { fsync: "off", synchronous_commit: "off", full_page_writes: "off" });
  }
  return Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]);
}

async function canQuery(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Where initdb and postgres live. */
export async function findPostgresBinDir(): Promise<string> {
  const fromEnv = process.env.MEMORIA_PG_BIN_DIR;
  if (fromEnv) return fromEnv;
  try {
    const { stdout } = await execFileAsync("sh", ["-c", "command -v postgres"]);
    const path = stdout.trim();
    if (path) return path.replace(/\/postgres$/, "");
  } catch {
    // not on PATH
  }
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest !== undefined) return join(root, newest, "bin");
  throw new Error(
    "PostgreSQL's server binaries (initdb, postgres) were not found: install them " +
      "(Debian: apt-get install postgresql) or set MEMORIA_PG_BIN_DIR",
  );
}

/** Postgres refuses to run as root: as root, run it as the `postgres` user. */
async function postgresUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number((await execFileAsync("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await execFileAsync("id", ["-g", "postgres"])).stdout.trim());
    return { uid, gid, name: "postgres" };
  } catch {
    throw new Error(
      "running as root, and PostgreSQL refuses to run as root; there is no 'postgres' user " +
        "to run it as. Create one (useradd --system postgres) or run as a normal user.",
    );
  }
}

/**
 * A data dir made by initdb once and reused by copying: in the temp dir, named
 * by Postgres version, binary dir and user. Built under a temporary name and
 * renamed into place, so two launchers racing never see half a template.
 */
async function ensureTemplate(binDir: string, runAs: RunAs | undefined): Promise<string> {
  const { stdout } = await execFileAsync(join(binDir, "postgres"), ["--version"]);
  const key = createHash("sha256")
    // "2": bump when the initdb arguments change, so an old template is not reused.
    .update(`2|${stdout.trim()}|${binDir}|${runAs?.uid ?? process.getuid?.() ?? ""}`)
    .digest("hex")
    .slice(0, 12);
  const template = join(scratchDir(), `memoria-pg-template-${key}`);
  if (existsSync(join(template, "PG_VERSION"))) return template;

  const build = mkdtempSync(join(scratchDir(), "memoria-pg-template-build-"));
  try {
    if (runAs) chownSync(build, runAs.uid, runAs.gid);
    const data = join(build, "data");
    const args = [
      "-D",
      data,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--locale=C",
      "-N",
      "--wal-segsize=1",
    ];
    const runAsOptions = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
    await execFileAsync(join(binDir, "initdb"), args, {
      ...runAsOptions,
      cwd: build,
      env: { ...process.env, LC_ALL: "C" },
    });
    try {
      renameSync(data, template);
    } catch (error) {
      // Another launcher won the race: use its template.
      if (!existsSync(join(template, "PG_VERSION"))) throw error;
    }
    return template;
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}
