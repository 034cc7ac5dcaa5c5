import { type RouteCase, routeCases } from "@memoria/gateway/local/routes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayDocument, lintDocument, type OpenApiDocument } from "../local/openapi.js";
import type { RunningRegion } from "../local/region.js";
import { createGatewayApp } from "../src/gateway-app.js";
import { call, type Regions, startRegions } from "./harness.js";

/**
 * The OpenAPI document against the app it describes: the same operations as the route
 * table, the security the auth matrix enforces, the problem shape on every error, lint
 * clean; and served by a running gateway (workerd) without a credential.
 */

type Operation = {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};

const document = gatewayDocument();

function operations(doc: OpenApiDocument): Array<[string, Operation]> {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Operation>).map(
      ([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation],
    ),
  );
}

/** `GET /memory/:id` as the document names it: `GET /memory/{id}`. */
const documented = (route: Pick<RouteCase, "method" | "route">) =>
  `${route.method} ${route.route.replace(/:([A-Za-z_]+)/g, "{$1}")}`;

describe("the OpenAPI document", () => {
  it("has exactly the operations of the app's route table: none missing, none extra", () => {
    const table = new Set(
      createGatewayApp()
        .routes.filter((r) => r.method !== "ALL")
        .map((r) => documented({ method: r.method, route: r.path })),
    );
    const ops = operations(document).map(([name]) => name);
    expect(new Set(ops).size).toBe(ops.length);
    expect([...ops].sort()).toEqual([...table].sort());
    expect(ops.length).toBeGreaterThanOrEqual(27);
  });

  it("names every path parameter, and each operation once by id", () => {
    const ids = new Set<string>();
    for (const [name, op] of operations(document)) {
      for (const param of name.match(/\{([^}]+)\}/g) ?? []) {
        const found = op.parameters?.find((p) => p.in === "path" && `{${p.name}}` === param);
        expect(found?.required, `${name} ${param}`).toBe(true);
      }
      expect(op.operationId, name).toMatch(/^[a-zA-Z]+$/);
      expect(ids.has(op.operationId as string), op.operationId).toBe(false);
      ids.add(op.operationId as string);
    }
  });

  it("says the security each route's auth enforces (the auth matrix's `need`)", () => {
    const ops = new Map(operations(document));
    for (const route of routeCases()) {
      const op = ops.get(documented(route));
      const expected =
        route.need === "public"
          ? []
          : route.need === "monitor"
            ? [{ ApiKey: [] }, { Bearer: [] }]
            : [{ ApiKey: [route.need] }, { Bearer: [route.need] }];
      expect(op?.security, documented(route)).toEqual(expected);
    }
    const schemes = document.components?.securitySchemes ?? {};
    expect(schemes.ApiKey).toMatchObject({ type: "apiKey", in: "header", name: "X-API-Key" });
    expect(schemes.Bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("documents the problem+json shape, with errors[{field, message}], on every operation's 400", () => {
    const problem = document.components?.schemas?.Problem as {
      properties: Record<string, { items?: { properties?: Record<string, unknown> } }>;
    };
    expect(Object.keys(problem.properties.errors?.items?.properties ?? {}).sort()).toEqual([
      "field",
      "message",
    ]);
    for (const [name, op] of operations(document)) {
      const bad = op.responses["400"]?.content?.["application/problem+json"]?.schema;
      expect(bad?.$ref, name).toBe("#/components/schemas/Problem");
      const success = Object.keys(op.responses).filter((s) => s.startsWith("2"));
      expect(success.length, name).toBeGreaterThan(0);
      if (op.security?.length)
        for (const status of ["401", "403"]) expect(op.responses[status], name).toBeDefined();
    }
  });

  it("describes the headers, query and body the routes read", () => {
    const ops = new Map(operations(document));
    const header = (name: string, op: string) =>
      ops.get(op)?.parameters?.find((p) => p.in === "header" && p.name === name);
    expect(header("idempotency-key", "POST /memory")).toBeDefined();
    expect(header("memoria-sync-token", "GET /memory/{id}")).toBeDefined();
    expect(header("memoria-signature", "POST /sync/wake")?.required).toBe(true);
    const query = ops.get("GET /memory/search")?.parameters?.filter((p) => p.in === "query");
    expect(query?.map((p) => p.name)).toEqual(expect.arrayContaining(["query", "anchor", "x"]));
    const body = (op: string) =>
      (ops.get(op) as { requestBody?: { content: Record<string, { schema: unknown }> } })
        ?.requestBody?.content["application/json"]?.schema as { properties?: object };
    // The upstream-compat resolver's body: both spellings.
    expect(Object.keys(body("POST /memory").properties ?? {})).toEqual(
      expect.arrayContaining(["text", "y", "y_coord", "team", "team_id", "symbolic_anchors"]),
    );
    expect(Object.keys(body("POST /admin/keys").properties ?? {})).toContain("scopes");
  });
});

describe("redocly lint", () => {
  it("passes on the document, and fails on a broken one (the lint is not vacuous)", () => {
    const good = lintDocument(document);
    expect(good.output).toMatch(/valid/i);
    expect(good.ok, good.output).toBe(true);
    const broken = structuredClone(document) as unknown as {
      paths: Record<string, Record<string, object>>;
    };
    // An operation without responses and a second operation with the same id.
    (broken.paths["/memory"] as Record<string, object>).get = { operationId: "createMemory" };
    const bad = lintDocument(broken);
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/operationId|responses/);
  });
});

describe("served by a gateway", () => {
  let regions: Regions;
  let a: RunningRegion;
  let b: RunningRegion;
  beforeAll(async () => {
    regions = await startRegions({ backend: "redis" });
    a = regions.region("region-a");
    b = regions.region("region-b");
  });
  afterAll(async () => {
    await regions?.stop();
  });

  it("GET /openapi.json without a credential is the same document", async () => {
    const response = await call(a, "/openapi.json", { key: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it("GET /docs without a credential is the reference page over /openapi.json", async () => {
    const response = await call(b, "/docs", { key: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain("/openapi.json");
    expect(html).toContain("createApiReference");
  });
});
