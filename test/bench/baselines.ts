import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * XADD through `redis-benchmark` against the same Redis, one client, as the transport
 * uses it. Redis 7.0's `-t xadd` runs nothing, so the command is given explicitly.
 */
export async function redisXaddBaseline(redisUrl: string, requests = 20_000): Promise<number> {
  const url = new URL(redisUrl);
  const host = ["-h", url.hostname, "-p", url.port || "6379"];
  const key = `memoria-bench-baseline:${process.pid}`;
  try {
    const { stdout } = await run(
      "redis-benchmark",
      [
        ...host,
        "-n",
        String(requests),
        "-c",
        "1",
        "-q",
        "XADD",
        key,
        "*",
        "event",
        "x".repeat(400),
      ],
      {
        timeout: 120_000,
      },
    );
    const match = /([\d.]+) requests per second/.exec(stdout.split("\r").at(-1) ?? "");
    if (!match) throw new Error(`unexpected redis-benchmark output: ${stdout}`);
    return Number(match[1]);
  } finally {
    await run("redis-cli", [...host, "DEL", key]).catch(() => undefined);
  }
}

/** pgbench, one client, one single-row INSERT per transaction (fsync as the server has it). */
export async function postgresInsertBaseline(postgresUrl: string, seconds = 5): Promise<number> {
  const table = `bench_baseline_${process.pid}`;
  const script = `/tmp/memoria-bench-${process.pid}.sql`;
  const { writeFile, rm } = await import("node:fs/promises");
  await writeFile(
    script,
    `insert into ${table} (body) values ('{"v":1,"text":"baseline row of about the size of a small event"}');\n`,
  );
  try {
    await run("psql", [
      postgresUrl,
      "-qc",
      `create table ${table} (id bigserial primary key, body text not null)`,
    ]);
    const { stdout } = await run(
      "pgbench",
      ["-n", "-c", "1", "-T", String(seconds), "-f", script, postgresUrl],
      { timeout: 120_000 },
    );
    const match = /tps = ([\d.]+)/.exec(stdout);
    if (!match) throw new Error(`unexpected pgbench output: ${stdout}`);
    return Number(match[1]);
  } finally {
    await run("psql", [postgresUrl, "-qc", `drop table if exists ${table}`]).catch(() => undefined);
    await rm(script, { force: true });
  }
}
