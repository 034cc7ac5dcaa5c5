#!/usr/bin/env -S npx tsx
/**
 * `memoria` — the operator command of the playbook:
 *   memoria sync catch-up --since <ISO time | 1h | 30m | 2d> --url <gateway> [--api-key K]
 *                         [--after CURSOR] [--limit N] [--dry-run] [--page-size N]
 *   memoria smoke --topology <backend> --url <gateway> [--url <gateway> …] [--api-key K]   (backends: sync-core's SYNC_BACKENDS)
 *   memoria keys create --scope read [--scope write …] [--team T …] [--name N] --url <gateway> [--api-key K]
 *   memoria keys list --url <gateway> [--api-key K]
 *   memoria keys revoke <id> --url <gateway> [--api-key K]
 *   memoria keys transit [--id KEYID] [--json]   (a region's transit key pair; made locally)
 *   memoria sync dead-letters [list | retry <event id> | discard <event id>] --url <gateway> [--api-key K]
 * The API key may come from MEMORIA_API_KEY. Exit code 0 only when everything passed.
 */
import { parseArgs } from "node:util";
import { SYNC_BACKENDS } from "@memoria/sync-core";
import { catchUpCommand } from "./catch-up.js";
import { deadLettersCommand } from "./dead-letters.js";
import { createKey, formatKey, listKeys, parseScopes, revokeKey } from "./keys.js";
import { smoke } from "./smoke.js";
import { transitKeyCommand } from "./transit-keys.js";

const TOPOLOGIES = SYNC_BACKENDS.join("|");
const USAGE = `usage:
  memoria sync catch-up --since <ISO time | 1h | 30m | 2d> --url <gateway url> [--api-key KEY]
                        [--after CURSOR] [--limit N] [--dry-run] [--page-size N]
  memoria smoke --topology ${TOPOLOGIES} --url <gateway url> [--url <gateway url> ...] [--api-key KEY]
  memoria keys create --scope read|write|admin [--scope ...] [--team T ...] [--name N] --url <gateway url> [--api-key KEY]
  memoria keys list --url <gateway url> [--api-key KEY]
  memoria keys revoke <key id> --url <gateway url> [--api-key KEY]
  memoria keys transit [--id KEYID] [--json]
  memoria sync dead-letters [list | retry <event id> | discard <event id>] --url <gateway url> [--api-key KEY]`;

type Values = {
  url?: string[];
  "api-key"?: string;
  scope?: string[];
  team?: string[];
  name?: string;
};

/** `memoria keys …`: needs one --url and an admin key; the secret of a new key is printed once. */
async function keysCommand(verb: string, args: string[], values: Values): Promise<number> {
  const apiKey = values["api-key"] ?? process.env.MEMORIA_API_KEY;
  const url = values.url?.length === 1 ? values.url[0] : undefined;
  if (!url || !apiKey) {
    console.error(`keys needs one --url and an admin key (--api-key or MEMORIA_API_KEY)\n${USAGE}`);
    return 2;
  }
  if (verb === "create") {
    const { key, secret } = await createKey(url, apiKey, {
      scopes: parseScopes(values.scope ?? []),
      ...(values.team?.length ? { teams: values.team } : {}),
      ...(values.name ? { name: values.name } : {}),
    });
    console.log(formatKey(key));
    console.log(`secret (shown once, store it now): ${secret}`);
    return 0;
  }
  if (verb === "list") {
    for (const key of await listKeys(url, apiKey)) console.log(formatKey(key));
    return 0;
  }
  if (verb === "revoke" && args.length === 1) {
    console.log(formatKey(await revokeKey(url, apiKey, args[0] as string)));
    return 0;
  }
  console.error(`unknown keys command: ${[verb, ...args].join(" ")}\n${USAGE}`);
  return 2;
}

/** `memoria sync dead-letters …`: needs one --url and an admin key. */
async function syncDeadLetters(verb: string, args: string[], values: Values): Promise<number> {
  const apiKey = values["api-key"] ?? process.env.MEMORIA_API_KEY;
  const url = values.url?.length === 1 ? values.url[0] : undefined;
  if (!url || !apiKey) {
    console.error(
      `sync dead-letters needs one --url and an admin key (--api-key or MEMORIA_API_KEY)\n${USAGE}`,
    );
    return 2;
  }
  const code = await deadLettersCommand(url, apiKey, verb, args);
  if (code === 2)
    console.error(`unknown sync dead-letters command: ${[verb, ...args].join(" ")}\n${USAGE}`);
  return code;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      since: { type: "string" },
      after: { type: "string" },
      limit: { type: "string" },
      "page-size": { type: "string" },
      "dry-run": { type: "boolean" },
      url: { type: "string", multiple: true },
      "api-key": { type: "string" },
      topology: { type: "string" },
      scope: { type: "string", multiple: true },
      team: { type: "string", multiple: true },
      name: { type: "string" },
      id: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  // Made locally: no gateway, no API key.
  if (positionals[0] === "keys" && positionals[1] === "transit")
    return transitKeyCommand(values, positionals.slice(2), USAGE);
  if (positionals[0] === "keys")
    return keysCommand(positionals[1] ?? "", positionals.slice(2), values);
  if (positionals[0] === "sync" && positionals[1] === "dead-letters")
    return syncDeadLetters(positionals[2] ?? "list", positionals.slice(3), values);
  const command = positionals.join(" ");
  if (values.help || command === "") {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const urls = values.url ?? [];
  if (command === "sync catch-up") return catchUpCommand(values, USAGE);
  if (command === "smoke") {
    const topology = SYNC_BACKENDS.find((name) => name === values.topology);
    if (topology === undefined || urls.length === 0) {
      console.error(`smoke needs --topology ${TOPOLOGIES} and at least one --url\n${USAGE}`);
      return 2;
    }
    const apiKey = values["api-key"] ?? process.env.MEMORIA_API_KEY;
    if (!apiKey) {
      console.error(`smoke needs an API key with read and write (--api-key or MEMORIA_API_KEY)`);
      return 2;
    }
    const checks = await smoke({ topology, regions: urls, apiKey });
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
