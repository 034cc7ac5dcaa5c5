import { readFileSync } from "node:fs";
import type { RunningRegion } from "@memoria/gateway/local/region";
import { startTopology, type Topology } from "@memoria/gateway/local/topology";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generatedTypes, TYPES_FILE } from "../scripts/generate.js";
import { createMemoriaClient, GatewayProblem, type MemoriaClient, ok } from "../src/index.js";
import "./provided.js";

/** The typed client against a real gateway (workerd, real Postgres): answers typed, problems thrown typed. */

const API_KEY = "client-test-api-key-0123456789ab";
let topology: Topology;
let a: RunningRegion;
let b: RunningRegion;
let client: MemoriaClient;

beforeAll(async () => {
  const services = inject("localServices");
  topology = await startTopology({
    backend: "postgres",
    endpoints: {
      upstash: services.upstash,
      neon: services.neon,
      postgresUrl: services.postgresUrl,
    },
    id: `ct${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`,
    apiKey: API_KEY,
    signingKeys: { k1: "client-test-signing-key-0123456789abcdef" },
  });
  a = topology.region("region-a");
  b = topology.region("region-b");
  client = createMemoriaClient({ baseUrl: a.url, apiKey: API_KEY });
});
afterAll(async () => {
  await topology?.stop();
});

/** The problem a call threw; fails the test when it did not throw one. */
async function problemOf(pending: Promise<unknown>): Promise<GatewayProblem> {
  const error = await pending.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GatewayProblem);
  return error as GatewayProblem;
}

describe("generated types", () => {
  it("are what the gateway's OpenAPI document gives (regenerate: pnpm --filter @memoria/client generate)", async () => {
    expect(readFileSync(TYPES_FILE, "utf8")).toBe(await generatedTypes());
  });
});

describe("the typed client", () => {
  it("writes, reads and lists memories with typed requests and answers", async () => {
    const key = `client-${crypto.randomUUID()}`;
    const created = await ok(
      client.POST("/memory", {
        params: { header: { "idempotency-key": key } },
        body: { text: "typed client", y: 4, team: "typed", symbolic_anchors: ["t"] },
      }),
    );
    expect(created.status).toBe("stored");
    expect(created.memory).toMatchObject({ text: "typed client", y: 4, team: "typed" });
    const again = await client.POST("/memory", {
      params: { header: { "idempotency-key": key } },
      body: { text: "typed client", y: 4, team: "typed", symbolic_anchors: ["t"] },
    });
    expect(again.response.status).toBe(200);
    expect(again.data?.memory.id).toBe(created.memory.id);

    const { memory } = await ok(
      client.GET("/memory/{id}", {
        params: { path: { id: created.memory.id }, header: {} },
      }),
    );
    expect(memory.memory_id).toBe(created.memory.id);
    const page = await ok(
      client.GET("/memory", { params: { query: { team: "typed", limit: 5 } } }),
    );
    expect(page.items.map((m) => m.id)).toContain(created.memory.id);
    const updated = await ok(
      client.PUT("/memory/{id}", {
        params: { path: { id: memory.id } },
        body: { text: "changed" },
      }),
    );
    expect(updated.memory.text).toBe("changed");
    const deleted = await ok(
      client.DELETE("/memory/{id}", { params: { path: { id: memory.id } } }),
    );
    expect(deleted).toMatchObject({ status: "deleted", memory_id: memory.id });
  });

  it("throws a refusal as a GatewayProblem carrying the problem, naming the field", async () => {
    const invalid = await problemOf(ok(client.POST("/memory", { body: { text: "x", y: 99 } })));
    expect(invalid.status).toBe(400);
    expect(invalid.problem.errors?.map((e) => e.field)).toContain("y");
    const anonymous = createMemoriaClient({ baseUrl: a.url });
    const refused = await problemOf(ok(anonymous.GET("/admin/keys")));
    expect(refused.status).toBe(401);
    expect(refused.problem.errors?.[0]?.field).toBe("X-API-Key");
    const missing = await problemOf(
      ok(
        client.GET("/memory/{id}", {
          params: { path: { id: "0190f5c8-0000-7000-8000-000000000000" } },
        }),
      ),
    );
    expect(missing.status).toBe(404);
    expect(missing.detail).toMatch(/not found/);
  });

  it("reads the public routes without a key, and says when nothing answers", async () => {
    const anonymous = createMemoriaClient({ baseUrl: b.url });
    const ready = await ok(anonymous.GET("/healthz"));
    expect(ready.status).toBe("ok");
    const document = await ok(anonymous.GET("/openapi.json"));
    expect(document).toHaveProperty("openapi", "3.1.0");
    const nowhere = createMemoriaClient({ baseUrl: "http://127.0.0.1:9", timeoutMs: 2_000 });
    const unreachable = await problemOf(ok(nowhere.GET("/healthz")));
    expect(unreachable.status).toBe(0);
    expect(unreachable.detail).toMatch(/unreachable/);
  });
});
