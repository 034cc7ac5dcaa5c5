/**
 * The demo's command line (`pnpm start [--] [options]`), apart from demo.ts so a test can
 * parse exactly what the README tells people to type.
 */
import { parseArgs } from "node:util";
import { DEMO_REGIONS } from "@memoria/gateway/local/topology";
import { SYNC_BACKENDS, type SyncBackend } from "@memoria/sync-core";

export const MIN_REGIONS = 2;
export const MAX_REGIONS = DEMO_REGIONS.length;
export const DEFAULT_REGIONS = 3;
const DEFAULT_ROUTER_PORT = 8700;

export const DEMO_HELP = `Usage: pnpm start [--] [options]

The multi-region demo: private Redis and PostgreSQL, N gateways (on different continents,
each with its own role and privacy band) and the edge router in workerd, until Ctrl-C.

  --backend NAME      sync backend: ${SYNC_BACKENDS.join(" or ")} (default: redis)
  --regions N         how many regions, ${MIN_REGIONS} to ${MAX_REGIONS} (default: ${DEFAULT_REGIONS}); region i listens on --port-router + i
  --port-router N     the edge router's port (default: ${DEFAULT_ROUTER_PORT})
  --port-a N          region-a's port (two regions only: implies --regions 2)
  --port-b N          region-b's port (two regions only: implies --regions 2)
  -h, --help          this text`;

export interface DemoArgs {
  help: boolean;
  backend: SyncBackend;
  /** How many of the demo regions run (region-a, region-b, … in order). */
  regions: number;
  /** `regions[i]`: the port of the (i+1)-th region. */
  ports: { router: number; regions: number[] };
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
        regions: { type: "string" },
        "port-router": { type: "string", default: String(DEFAULT_ROUTER_PORT) },
        "port-a": { type: "string" },
        "port-b": { type: "string" },
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
  const regions = regionCount(values);
  const router = port("port-router", values["port-router"]);
  return {
    help: values.help === true,
    backend,
    regions,
    ports: regionPorts(values, regions, router),
  };
}

/** `--regions`, or 2 when `--port-a`/`--port-b` name two regions' ports, else the default. */
function regionCount(values: Record<string, unknown>): number {
  const pairFlags = ["port-a", "port-b"].filter((flag) => values[flag] !== undefined);
  if (values.regions === undefined) return pairFlags.length > 0 ? 2 : DEFAULT_REGIONS;
  const text = values.regions;
  const n = Number(text);
  if (typeof text !== "string" || !/^\d+$/.test(text) || n < MIN_REGIONS || n > MAX_REGIONS)
    throw new DemoUsageError(
      `--regions must be a whole number from ${MIN_REGIONS} to ${MAX_REGIONS}: ${String(text)}`,
    );
  if (pairFlags.length > 0 && n !== 2)
    throw new DemoUsageError(
      `${pairFlags.map((flag) => `--${flag}`).join(" and ")} set two regions' ports, but --regions is ${n}: drop them (region i listens on --port-router + i) or use --regions 2`,
    );
  return n;
}

/** Region i (1-based) on the router's port + i, unless `--port-a`/`--port-b` say otherwise. */
function regionPorts(
  values: Record<string, unknown>,
  count: number,
  router: number,
): DemoArgs["ports"] {
  const explicit = [values["port-a"], values["port-b"]];
  const regions = Array.from({ length: count }, (_, i) => {
    const flag = i === 0 ? "port-a" : "port-b";
    if (i < 2 && explicit[i] !== undefined) return port(flag, explicit[i]);
    const derived = router + i + 1;
    if (derived > 65_535)
      throw new DemoUsageError(
        `--port-router ${router} leaves no port for region ${i + 1} (it listens on --port-router + ${i + 1}): pick a lower --port-router`,
      );
    return derived;
  });
  const all = [router, ...regions];
  const clash = all.find((p, i) => all.indexOf(p) !== i);
  if (clash !== undefined)
    throw new DemoUsageError(
      `port ${clash} is given twice (--port-router, --port-a, --port-b and --port-router + i must differ)`,
    );
  return { router, regions };
}

function port(flag: string, value: unknown): number {
  const n = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || n < 1 || n > 65_535) {
    throw new DemoUsageError(`--${flag} must be a port from 1 to 65535: ${String(value)}`);
  }
  return n;
}
