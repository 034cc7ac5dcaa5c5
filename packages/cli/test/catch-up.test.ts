import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startTopology, type Topology } from "@memoria/gateway/local/topology";
import { configureNeonForLocal } from "@memoria/local-services/client";
import {
  createKeyring,
  formatHlc,
  HybridClock,
  loadConfig,
  newEventId,
  type SyncBackend,
  type SyncEvent,
  signEvent,
} from "@memoria/sync-core";
import { syncBackends } from "@memoria/transports";
import { neonConfig } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import ws from "ws";
import { progressBar, progressLine } from "../src/catch-up-progress.js";
import "./provided.js";

const API_KEY = "cli-catch-up-key-0123456789abcdef";
const SIGNING_KEYS = { k1: "cli-catch-up-signing-key-0123456789ab" };
const root = fileURLToPath(new URL("..", import.meta.url));
/**
 * 20,000 events on Redis, applied in one run (the size); the operator's other
 * paths (--dry-run, --limit, a gateway killed mid-way) on a smaller Postgres journal, so
 * the file stays near a minute. `CATCH_UP_FULL=1` runs every path on both at these sizes.
 */
const SIZES: Record<SyncBackend, number> = {
  redis: Number(process.env.CATCH_UP_REDIS_EVENTS ?? 20_000),
  postgres: Number(process.env.CATCH_UP_POSTGRES_EVENTS ?? 2_000),
};
const operatorPaths = (backend: SyncBackend) =>
  backend === "postgres" || process.env.CATCH_UP_FULL === "1";

type Result = { code: number; stdout: string; stderr: string };

/** The real command, as an operator runs it. */
async function memoria(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      join(root, "node_modules/.bin/tsx"),
      ["src/main.ts", ...args],
      { cwd: root, timeout: 120_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** `count` signed memory.created events from region-a, in region B's band, as A would publish them. */
async function makeEvents(namespace: string, count: number): Promise<SyncEvent[]> {
  const keyring = await createKeyring({ current: "k1", keys: SIGNING_KEYS });
  const clock = new HybridClock({ node: "region-a" });
  const events: Array<Promise<SyncEvent>> = [];
  for (let i = 0; i < count; i++) events.push(sign(i));
  return Promise.all(events);

  async function sign(i: number): Promise<SyncEvent> {
    const hlc = clock.now();
    const id = newEventId(hlc.wall);
    const at = new Date(hlc.wall).toISOString();
    const payload = { id, namespace, text: `catch-up memory ${i}`, anchor: "catch-up", tokens: 3 };
    return signEvent(
      {
        v: 1,
        id: newEventId(hlc.wall),
        action: "memory.created",
        entity_type: "memory",
        entity_id: id,
        namespace,
        origin: "region-a",
        hlc: formatHlc(hlc),
        privacy: 5,
        created_at: at,
        payload: {
          ...payload,
          timestamp: at,
          x: i % 30,
          y: 5,
          z: 0,
          symbolic_anchors: [],
          team: null,
        },
      },
      keyring,
    );
  }
}

/** Publishes straight through the topology's transport, in batches, as region A's relay would. */
async function publish(
  topology: Topology,
  backend: SyncBackend,
  events: SyncEvent[],
): Promise<void> {
  configureNeonForLocal(neonConfig, inject("localServices").neon, { webSocketConstructor: ws });
  const { config } = loadConfig({ env: topology.region("region-a").vars });
  const connection = syncBackends[backend].connect(config, { region: "test-publisher" });
  try {
    for (let i = 0; i < events.length; i += 1_000)
      await connection.transport.publish(events.slice(i, i + 1_000));
  } finally {
    await connection.close();
  }
}

/** Records in region B's store, read over the local Neon HTTP endpoint. */
async function storedInB(topology: Topology): Promise<number> {
  const services = inject("localServices");
  const response = await fetch(services.neon.fetchEndpoint, {
    method: "POST",
    headers: { "Neon-Connection-String": services.postgresUrl },
    body: JSON.stringify({
      query: `select count(*)::int as n from "${topology.region("region-b").vars.STORE_SCHEMA}".memories`,
      params: [],
    }),
  });
  const body = (await response.json()) as { rows: Array<{ n: number }> };
  return Number(body.rows[0]?.n);
}

/** `name 123` out of the summary. */
function count(output: string, name: string): number {
  const match = new RegExp(`\\b${name} (\\d+)`).exec(output);
  if (!match) throw new Error(`no "${name} N" in: ${output}`);
  return Number(match[1]);
}

/** Starts the command; resolves once its stderr shows `marker`, then once it exits. */
function startMemoria(args: string[]): {
  child: ChildProcess;
  seen: Promise<void>;
  done: Promise<Result>;
} {
  const child = spawn(join(root, "node_modules/.bin/tsx"), ["src/main.ts", ...args], { cwd: root });
  let stdout = "";
  let stderr = "";
  let onSeen: () => void = () => {};
  const seen = new Promise<void>((resolve) => {
    onSeen = resolve;
  });
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
    if (/catch-up: page 2,/.test(stderr)) onSeen();
  });
  const done = new Promise<Result>((resolve) =>
    child.on("exit", (code) => {
      onSeen();
      resolve({ code: code ?? -1, stdout, stderr });
    }),
  );
  return { child, seen, done };
}

describe.each(["redis", "postgres"] as const)("memoria sync catch-up over %s", (backend) => {
  const size = SIZES[backend];
  let topology: Topology;
  let since: string;

  beforeAll(async () => {
    const services = inject("localServices");
    topology = await startTopology({
      backend,
      endpoints: {
        upstash: services.upstash,
        neon: services.neon,
        postgresUrl: services.postgresUrl,
      },
      id: `cu${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`,
      apiKey: API_KEY,
      signingKeys: SIGNING_KEYS,
    });
    since = new Date(Date.now() - 1_000).toISOString();
    // Nothing kicks B's puller (no write through B, no wake-up hint, no cron here), so only catch-up applies these.
    const started = Date.now();
    await publish(topology, backend, await makeEvents(topology.namespace, size));
    console.log(`${backend}: ${size} events signed and published in ${Date.now() - started} ms`);
  });
  afterAll(async () => {
    await topology?.stop();
  });

  const flags = () => [
    "--since",
    since,
    "--url",
    topology.region("region-b").url,
    "--api-key",
    API_KEY,
  ];

  it.runIf(operatorPaths(backend))(
    "--dry-run counts what would be applied and applies nothing",
    async () => {
      const result = await memoria(
        "sync",
        "catch-up",
        ...flags(),
        "--dry-run",
        "--page-size",
        "2000",
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("dry run, nothing applied");
      expect(count(result.stdout, "read")).toBe(size);
      expect(count(result.stdout, "would apply")).toBe(size);
      expect(count(result.stdout, "already applied")).toBe(0);
      expect(await storedInB(topology)).toBe(0);
    },
  );

  it.runIf(operatorPaths(backend))(
    "--limit stops where it says, exit 0, and says more remain and how to go on",
    async () => {
      const limit = Math.floor(size / 4);
      const result = await memoria("sync", "catch-up", ...flags(), "--limit", String(limit));
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`stopped at limit ${limit}, more remain`);
      expect(count(result.stdout, "applied")).toBe(limit);
      expect(result.stdout).toMatch(
        /^continue with: memoria sync catch-up --since \S+ --after \S+ --url /m,
      );
      expect(await storedInB(topology)).toBe(limit);
      // Plain progress lines (stderr is no terminal here), each naming its cursor.
      expect(result.stderr).toMatch(
        /^catch-up: page 1, read \d+ of \d+ \(\d+%\), \d+ events\/s, ETA .*, after \S+$/m,
      );
    },
  );

  it("applies all (the rest) exactly once, reaching the newest event; a second run applies none", async () => {
    const started = Date.now();
    const result = await memoria("sync", "catch-up", ...flags(), "--page-size", "2000");
    const seconds = (Date.now() - started) / 1000;
    console.log(`${backend}: catch-up of ${size} events in ${seconds} s\n${result.stdout}`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^caught up since \S+: read \d+, applied \d+, already applied \d+/m,
    );
    const limit = operatorPaths(backend) ? Math.floor(size / 4) : 0;
    expect(count(result.stdout, "read")).toBe(size);
    expect(count(result.stdout, "applied")).toBe(size - limit);
    expect(count(result.stdout, "already applied")).toBe(limit);
    expect(result.stdout).toMatch(/^\d+ pages in [\d.]+ s, \d+ events\/s$/m);
    expect(await storedInB(topology)).toBe(size);

    const again = await memoria("sync", "catch-up", ...flags(), "--page-size", "5000");
    expect(again.code, again.stderr).toBe(0);
    expect(count(again.stdout, "applied")).toBe(0);
    expect(count(again.stdout, "already applied")).toBe(size);
    expect(await storedInB(topology)).toBe(size);
  });

  it.runIf(operatorPaths(backend))(
    "a gateway killed mid-way: exit 1, how far it got, and a resume command that finishes",
    async () => {
      const run = startMemoria(["sync", "catch-up", ...flags(), "--dry-run", "--page-size", "200"]);
      await run.seen;
      await topology.region("region-b").stop();
      const result = await run.done;
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^memoria: catch-up could not finish: .*unreachable/m);
      expect(result.stderr).toMatch(/got through \d+ pages/);
      const resume =
        /resume with: memoria sync catch-up (--since \S+ --after \S+) --url \S+ --dry-run/.exec(
          result.stderr,
        );
      expect(resume, result.stderr).not.toBeNull();
      const read = count(/got through .*/.exec(result.stderr)?.[0] ?? "", "read");
      expect(read).toBeGreaterThanOrEqual(400);
      expect(read).toBeLessThan(size);

      await topology.restart("region-b");
      const args = (resume?.[1] ?? "").split(" ");
      const resumed = await memoria(
        "sync",
        "catch-up",
        ...args,
        "--url",
        topology.region("region-b").url,
        "--api-key",
        API_KEY,
        "--dry-run",
        "--page-size",
        "5000",
      );
      expect(resumed.code, resumed.stderr).toBe(0);
      // The resumed run reads exactly what the killed one had not (the page cut off is read again).
      expect(count(resumed.stdout, "read")).toBe(size - read);
      expect(count(resumed.stdout, "already applied")).toBe(count(resumed.stdout, "read"));
    },
  );
});

describe("catch-up progress display", () => {
  const progress = { read: 5_000, pages: 5, elapsedMs: 2_000, next: "1-0" };
  it("shows rate and ETA against the transport's estimate, or the rate alone", () => {
    const total = { count: 20_000, exact: true };
    expect(progressLine({ ...progress, total })).toBe(
      "catch-up: page 5, read 5000 of 20000 (25%), 2500 events/s, ETA 6 s, after 1-0",
    );
    expect(progressLine({ ...progress, total: null })).toBe(
      "catch-up: page 5, read 5000, 2500 events/s, after 1-0",
    );
    expect(progressBar({ ...progress, total: { count: 20_000, exact: false } }, 80)).toMatch(
      /^\[#+-+\] {2}25% {2}5000\/~20000 {2}2500 events\/s {2}ETA 6 s$/,
    );
    // More arrived than estimated: never past 100 %.
    expect(progressBar({ ...progress, total: { count: 4_000, exact: true } }, 80)).toContain(
      "100%",
    );
  });
});
