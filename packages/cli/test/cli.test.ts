import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startTopology, type Topology } from "@memoria/gateway/local/topology";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseSince } from "../src/catch-up.js";
import "./provided.js";

const API_KEY = "cli-test-api-key-0123456789abcd";
const root = fileURLToPath(new URL("..", import.meta.url));
let topology: Topology;

/** The real command, as an operator runs it. */
async function memoria(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      join(root, "node_modules/.bin/tsx"),
      ["src/main.ts", ...args],
      { cwd: root, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

beforeAll(async () => {
  const services = inject("localServices");
  topology = await startTopology({
    backend: "postgres",
    endpoints: {
      upstash: services.upstash,
      neon: services.neon,
      postgresUrl: services.postgresUrl,
    },
    id: `cl${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`,
    apiKey: API_KEY,
    signingKeys: { k1: "cli-test-signing-key-0123456789abcdef" },
  });
});
afterAll(async () => {
  await topology?.stop();
});

describe("memoria smoke --topology", () => {
  it("passes on a healthy pair: both ready on the backend, and the heartbeat arrives", async () => {
    const result = await memoria(
      "smoke",
      "--topology",
      "postgres",
      "--url",
      topology.a.url,
      "--url",
      topology.b.url,
      "--api-key",
      API_KEY,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok +region-a health: postgres/m);
    expect(result.stdout).toMatch(/^ok +heartbeat → .*: marker arrived in \d+ ms$/m);
  });

  it("fails, saying why, on the wrong topology or a dead region", async () => {
    const wrong = await memoria(
      "smoke",
      "--topology",
      "redis",
      "--url",
      topology.a.url,
      "--api-key",
      API_KEY,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain("FAIL  region-a health: backend is postgres");
    const dead = await memoria(
      "smoke",
      "--topology",
      "postgres",
      "--url",
      "http://127.0.0.1:9",
      "--api-key",
      API_KEY,
    );
    expect(dead.code).toBe(1);
    expect(dead.stdout).toContain("unreachable");
  });
});

describe("memoria keys", () => {
  it("creates a key (secret shown once), lists it by prefix, revokes it", async () => {
    const admin = ["--url", topology.a.url, "--api-key", API_KEY];
    const made = await memoria(
      "keys",
      "create",
      "--scope",
      "read",
      "--team",
      "alpha",
      "--name",
      "ci",
      ...admin,
    );
    expect(made.code).toBe(0);
    const secret = /secret \(shown once, store it now\): (mem_\S+)/.exec(
      made.stdout,
    )?.[1] as string;
    expect(secret).toMatch(/^mem_/);
    const id = made.stdout.split(/\s+/)[0] as string;
    const read = () =>
      fetch(`${topology.a.url}/memory?limit=1`, { headers: { "x-api-key": secret } });
    expect((await read()).status).toBe(200);
    const listed = await memoria("keys", "list", ...admin);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${id}  ${secret.slice(0, 10)}…  read  teams alpha  ci`);
    expect(listed.stdout).not.toContain(secret);
    const revoked = await memoria("keys", "revoke", id, ...admin);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/revoked \d{4}-/);
    expect((await read()).status).toBe(401);
    const bad = await memoria("keys", "create", "--scope", "everything", ...admin);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--scope must be one of read, write, admin");
    const refused = await memoria("keys", "list", "--url", topology.a.url, "--api-key", secret);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("401");
  });
});

describe("memoria sync catch-up --since", () => {
  it("replays through the region and applies nothing twice", async () => {
    await fetch(`${topology.a.url}/memory`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": API_KEY },
      body: JSON.stringify({ text: "for the replay", y: 3 }),
    });
    const result = await memoria(
      "sync",
      "catch-up",
      "--since",
      "1h",
      "--url",
      topology.b.url,
      "--api-key",
      API_KEY,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^caught up since \S+: read \d+, applied \d+, already applied \d+/m,
    );
    const again = await memoria(
      "sync",
      "catch-up",
      "--since",
      "1h",
      "--url",
      topology.b.url,
      "--api-key",
      API_KEY,
    );
    expect(again.stdout).toContain("applied 0,");
  });

  it("refuses a bad key or a bad time with a clear message", async () => {
    const denied = await memoria(
      "sync",
      "catch-up",
      "--since",
      "1h",
      "--url",
      topology.b.url,
      "--api-key",
      "wrong-key-0123456789abcd",
    );
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("401");
    const badTime = await memoria(
      "sync",
      "catch-up",
      "--since",
      "last tuesday",
      "--url",
      topology.b.url,
      "--api-key",
      API_KEY,
    );
    expect(badTime.code).toBe(1);
    expect(badTime.stderr).toContain("--since: not a time or a duration");
    expect((await memoria()).code).toBe(2);
  });

  it("reads durations and ISO times", () => {
    const now = Date.UTC(2026, 10, 21, 12, 0, 0);
    expect(parseSince("30m", now)).toBe("2026-11-21T11:30:00.000Z");
    expect(parseSince("2d", now)).toBe("2026-11-19T12:00:00.000Z");
    expect(parseSince("2026-11-20T08:00:00+01:00")).toBe("2026-11-20T07:00:00.000Z");
  });
});
