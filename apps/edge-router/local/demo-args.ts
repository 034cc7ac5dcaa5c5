/**
 * The demo's command line (`pnpm start [--] [options]`), apart from demo.ts so a test can
 * parse exactly what the README tells people to type.
 */
import { parseArgs } from "node:util";
import { SYNC_BACKENDS, type SyncBackend } from "@memoria/sync-core";

export const DEMO_HELP = `Usage: pnpm start [--] [options]

The two-region demo: private Redis and PostgreSQL, two gateways and the edge router in
workerd, until Ctrl-C.

  --backend NAME      sync backend: ${SYNC_BACKENDS.join(" or ")} (default: redis)
  --port-a N          region-a's port (default: 8701)
  --port-b N          region-b's port (default: 8702)
  --port-router N     the edge router's port (default: 8700)
  -h, --help          this text`;

export interface DemoArgs {
  help: boolean;
  backend: SyncBackend;
  ports: { a: number; b: number; router: number };
}

/** A command line the demo refuses; its message says which flag and what it accepts. */
export class DemoUsageError extends Error {}

/**
 * Parses the demo's arguments. A lone `--` is dropped wherever it stands: `pnpm start --
 * --backend postgres` hands the script `-- --backend postgres` (pnpm passes the separator
 * through), and the demo takes no positional arguments for it to protect.
 */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv.filter((arg) => arg !== "--"),
      options: {
        backend: { type: "string", default: "redis" },
        "port-a": { type: "string", default: "8701" },
        "port-b": { type: "string", default: "8702" },
        "port-router": { type: "string", default: "8700" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new DemoUsageError((error as Error).message);
  }
  const backend = SYNC_BACKENDS.find((name) => name === values.backend);
  if (backend === undefined) {
    throw new DemoUsageError(
      `--backend must be one of ${SYNC_BACKENDS.join(", ")}: ${String(values.backend)}`,
    );
  }
  return {
    help: values.help === true,
    backend,
    ports: {
      a: port("port-a", values["port-a"]),
      b: port("port-b", values["port-b"]),
      router: port("port-router", values["port-router"]),
    },
  };
}

function port(flag: string, value: unknown): number {
  const n = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || n < 1 || n > 65_535) {
    throw new DemoUsageError(`--${flag} must be a port from 1 to 65535: ${String(value)}`);
  }
  return n;
}
