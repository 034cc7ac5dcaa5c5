import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGatewayApp } from "../src/gateway-app.js";
import { openApiDocument } from "../src/routes/openapi/document.js";

/**
 * Dev/test only: the gateway's OpenAPI document built in Node from the app factory (no
 * worker, no store, nothing served), and Redocly's lint of it with the repo's config
 * (`apps/gateway/redocly.yaml`). Offline: telemetry and update checks off, no remote rules.
 */

export type OpenApiDocument = ReturnType<typeof openApiDocument>;

export function gatewayDocument(): OpenApiDocument {
  return openApiDocument(createGatewayApp());
}

const REDOCLY = fileURLToPath(new URL("../node_modules/.bin/redocly", import.meta.url));
const CONFIG = fileURLToPath(new URL("../redocly.yaml", import.meta.url));

export interface LintResult {
  ok: boolean;
  /** Redocly's report (stdout and stderr). */
  output: string;
}

/** Lints a document (the gateway's by default); bounded in time. */
export function lintDocument(document: unknown = gatewayDocument()): LintResult {
  const dir = mkdtempSync(join(tmpdir(), "memoria-openapi-"));
  try {
    const file = join(dir, "openapi.json");
    writeFileSync(file, JSON.stringify(document, null, 2));
    const run = spawnSync(REDOCLY, ["lint", "--config", CONFIG, "--format", "stylish", file], {
      encoding: "utf8",
      timeout: 60_000,
      env: {
        ...process.env,
        REDOCLY_TELEMETRY: "off",
        REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
        NO_COLOR: "1",
      },
    });
    return { ok: run.status === 0, output: `${run.stdout ?? ""}${run.stderr ?? ""}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `pnpm --filter @memoria/gateway lint:openapi`; `--write <file>` also keeps the document.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const document = gatewayDocument();
  const at = process.argv.indexOf("--write");
  const target = at >= 0 ? process.argv[at + 1] : undefined;
  if (target) writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
  const result = lintDocument(document);
  process.stdout.write(result.output);
  process.exitCode = result.ok ? 0 : 1;
}
