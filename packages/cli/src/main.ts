#!/usr/bin/env -S npx tsx
/**
 * `memoria` — the operator command of the playbook:
 *   memoria sync catch-up --since <ISO time | 1h | 30m | 2d> --url <gateway> [--api-key K]
 *   memoria smoke --topology <backend> --url <gateway> [--url <gateway> …]   (backends: sync-core's SYNC_BACKENDS)
 * The API key may come from MEMORIA_API_KEY. Exit code 0 only when everything passed.
 */
import { parseArgs } from "node:util";
import { SYNC_BACKENDS } from "@memoria/sync-core";
import { catchUp, parseSince } from "./catch-up.js";
import { smoke } from "./smoke.js";

const TOPOLOGIES = SYNC_BACKENDS.join("|");
const USAGE = `usage:
  memoria sync catch-up --since <ISO time | 1h | 30m | 2d> --url <gateway url> [--api-key KEY]
  memoria smoke --topology ${TOPOLOGIES} --url <gateway url> [--url <gateway url> ...]`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      since: { type: "string" },
      url: { type: "string", multiple: true },
      "api-key": { type: "string" },
      topology: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals.join(" ");
  if (values.help || command === "") {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const urls = values.url ?? [];
  if (command === "sync catch-up") {
    const apiKey = values["api-key"] ?? process.env.MEMORIA_API_KEY;
    if (!values.since || urls.length !== 1 || !apiKey) {
      console.error(
        `sync catch-up needs --since, one --url and an API key (--api-key or MEMORIA_API_KEY)\n${USAGE}`,
      );
      return 2;
    }
    const since = parseSince(values.since);
    const result = await catchUp(urls[0] as string, since, apiKey);
    console.log(
      `caught up since ${since}: read ${result.read}, applied ${result.applied}, already applied ${result.duplicate}, filtered ${result.filtered}, rejected ${result.rejected}`,
    );
    return 0;
  }
  if (command === "smoke") {
    const topology = SYNC_BACKENDS.find((name) => name === values.topology);
    if (topology === undefined || urls.length === 0) {
      console.error(`smoke needs --topology ${TOPOLOGIES} and at least one --url\n${USAGE}`);
      return 2;
    }
    const checks = await smoke({ topology, regions: urls });
    for (const check of checks)
      console.log(`${check.ok ? "ok  " : "FAIL"}  ${check.name}: ${check.detail}`);
    return checks.every((check) => check.ok) ? 0 : 1;
  }
  console.error(`unknown command: ${command}\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`memoria: ${error.message}`);
    process.exit(1);
  },
);
