import type { RunningRegion } from "@memoria/gateway/local/region";
import { startTopology, type Topology } from "@memoria/gateway/local/topology";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseSince } from "../src/catch-up.js";
import "./provided.js";
import { memoria } from "./memoria.js";

const API_KEY = "cli-test-api-key-0123456789abcd";
let topology: Topology;
let a: RunningRegion;
let b: RunningRegion;

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
  a = topology.region("region-a");
  b = topology.region("region-b");
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
      a.url,
      "--url",
      b.url,
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
      a.url,
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
    const admin = ["--url", a.url, "--api-key", API_KEY];
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
    const read = () => fetch(`${a.url}/memory?limit=1`, { headers: { "x-api-key": secret } });
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
    const refused = await memoria("keys", "list", "--url", a.url, "--api-key", secret);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("401");
  });
});

describe("memoria sync catch-up --since", () => {
  it("replays through the region and applies nothing twice", async () => {
    await fetch(`${a.url}/memory`, {
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
      b.url,
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
      b.url,
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
      b.url,
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
      b.url,
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

describe("memoria sync dead-letters", () => {
  /** SQL on the real Postgres through the local Neon HTTP endpoint: region B's table, as an operator would. */
  async function sql(query: string): Promise<void> {
    const services = inject("localServices");
    const response = await fetch(services.neon.fetchEndpoint, {
      method: "POST",
      headers: { "Neon-Connection-String": services.postgresUrl },
      body: JSON.stringify({ query, params: [] }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
  }
  const table = () => `"${b.vars.STORE_SCHEMA}".memories`;
  /** B's database refuses text with "poison" in it (a cause the operator can remove). */
  const poisonB = async () => {
    await sql(`alter table ${table()} drop constraint if exists no_poison_cli`);
    await sql(
      `alter table ${table()} add constraint no_poison_cli check (text not like '%poison%') not valid`,
    );
  };
  const admin = () => ["--url", b.url, "--api-key", API_KEY];

  /** Writes `text` in A and waits (bounded) until B lists it as its one dead letter; returns its event id. */
  async function quarantined(text: string): Promise<string> {
    const write = await fetch(`${a.url}/memory`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": API_KEY },
      body: JSON.stringify({ text, y: 3 }),
    });
    expect(write.status).toBe(201);
    for (let i = 0; i < 150; i++) {
      const response = await fetch(`${b.url}/admin/dead-letters`, {
        headers: { "x-api-key": API_KEY },
      });
      const body = (await response.json()) as { dead_letters: Array<{ event_id: string }> };
      const id = body.dead_letters[0]?.event_id;
      if (id) return id;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`"${text}" was not quarantined in region-b within 15 s`);
  }

  it("lists a dead letter with its error, retries it once the cause is fixed, discards another", async () => {
    await fetch(`${b.url}/health/sync`, { headers: { "x-api-key": API_KEY } });
    await poisonB();
    const id = await quarantined(`cli poison ${crypto.randomUUID()}`);
    const listed = await memoria("sync", "dead-letters", "list", ...admin());
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(
        `^${id}  memory\\.created \\S+ from region-a  first seen \\S+  attempts 1  error \\[23514\\]: .*no_poison_cli`,
        "m",
      ),
    );
    expect(listed.stdout).toContain("1 dead letter waiting");
    const early = await memoria("sync", "dead-letters", "retry", id, ...admin());
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/409 .*23514/);
    await sql(`alter table ${table()} drop constraint no_poison_cli`);
    const retried = await memoria("sync", "dead-letters", "retry", id, ...admin());
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain(`${id}: applied (applied)`);

    await poisonB();
    const other = await quarantined(`cli poison again ${crypto.randomUUID()}`);
    const discarded = await memoria("sync", "dead-letters", "discard", other, ...admin());
    expect(discarded.code).toBe(0);
    expect(discarded.stdout).toContain(`${other}: discarded`);
    await sql(`alter table ${table()} drop constraint no_poison_cli`);
    const left = await fetch(`${b.url}/admin/dead-letters`, {
      headers: { "x-api-key": API_KEY },
    });
    expect(((await left.json()) as { count: number }).count).toBe(0);
  });
});
