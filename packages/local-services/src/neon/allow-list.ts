/**
 * The Postgres addresses the Neon endpoint will connect to. Only loopback
 * addresses can be allowed at all: this package never sends traffic elsewhere.
 */
export class TargetAllowList {
  readonly #targets = new Set<string>();

  constructor(targets: Iterable<string> = []) {
    for (const target of targets) this.add(target);
  }

  /** Allows "host:port" (e.g. "127.0.0.1:5432"); "localhost" means 127.0.0.1. */
  add(target: string): void {
    const parsed = parseTarget(target);
    if (!parsed) throw new Error(`not a host:port target: ${JSON.stringify(target)}`);
    if (!isLoopback(parsed.host)) {
      throw new Error(`only loopback Postgres targets can be allowed, not ${target}`);
    }
    this.#targets.add(key(parsed.host, parsed.port));
  }

  remove(target: string): void {
    const parsed = parseTarget(target);
    if (parsed) this.#targets.delete(key(parsed.host, parsed.port));
  }

  has(host: string, port: number): boolean {
    return isLoopback(host) && this.#targets.has(key(host, port));
  }

  list(): string[] {
    return [...this.#targets];
  }
}

/** "host:port" or "[v6]:port" → parts. */
export function parseTarget(target: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(target.trim());
  if (!match) return undefined;
  const host = (match[1] ?? match[2] ?? "").toLowerCase();
  const port = Number(match[3]);
  if (!host || port < 1 || port > 65_535) return undefined;
  return { host, port };
}

function key(host: string, port: number): string {
  const normal = normalHost(host);
  return normal.includes(":") ? `[${normal}]:${port}` : `${normal}:${port}`;
}

function normalHost(host: string): string {
  const lower = host.toLowerCase().replace(/^\[|\]$/g, "");
  return lower === "localhost" ? "127.0.0.1" : lower;
}

export function isLoopback(host: string): boolean {
  const normal = normalHost(host);
  return /^127(?:\.\d{1,3}){3}$/.test(normal) || normal === "::1";
}
