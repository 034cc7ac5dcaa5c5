/** A Redis command with every argument as a string, ready for the wire. */
export type RedisCommand = [name: string, ...args: string[]];

/** The body or a command in it is not something Upstash would accept. */
export class CommandParseError extends Error {}

/**
 * One command from a JSON value. Arguments arrive as JSON strings, numbers or
 * booleans and are stringified (`12` → "12", `1.5` → "1.5", `true` → "true").
 * A number is written as JavaScript writes it back, so a non-JS client's `1.0`
 * becomes "1".
 */
export function parseCommand(value: unknown): RedisCommand {
  if (!Array.isArray(value) || value.length === 0) {
    throw new CommandParseError("ERR failed to parse command");
  }
  const parts = value.map((part): string => {
    if (typeof part === "string") return part;
    if (typeof part === "number" && Number.isFinite(part)) return String(part);
    if (typeof part === "boolean") return String(part);
    throw new CommandParseError("ERR failed to parse command");
  });
  const [name, ...args] = parts;
  if (name === undefined || name === "") throw new CommandParseError("ERR failed to parse command");
  return [name, ...args];
}

/** A list of commands (`/pipeline`, `/multi-exec`). */
export function parseCommands(value: unknown): RedisCommand[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new CommandParseError("ERR failed to parse pipeline request");
  }
  return value.map(parseCommand);
}

/**
 * Commands the endpoint refuses, because they would change or block the one
 * Redis connection every request shares, or because Upstash's REST API has no
 * such thing either (no blocking reads, no WATCH, pub/sub subscriptions only
 * over SSE, which this endpoint does not serve).
 */
const UNAVAILABLE: ReadonlySet<string> = new Set([
  // connection state
  "auth",
  "hello",
  "select",
  "quit",
  "reset",
  "client",
  "readonly",
  "readwrite",
  // transactions: only through /multi-exec
  "multi",
  "exec",
  "discard",
  "watch",
  "unwatch",
  // subscriptions and replication streams
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "unsubscribe",
  "punsubscribe",
  "sunsubscribe",
  "monitor",
  "sync",
  "psync",
  "replconf",
  // blocking reads
  "blpop",
  "brpop",
  "brpoplpush",
  "blmove",
  "blmpop",
  "bzpopmin",
  "bzpopmax",
  "bzmpop",
  "wait",
  "waitaof",
  // the server itself: drills stop and promote servers through the launcher
  "shutdown",
  "debug",
  "replicaof",
  "slaveof",
  "failover",
]);

/**
 * The error text for a command the endpoint will not run, or undefined when it
 * may run. XREAD and XREADGROUP are refused only with BLOCK.
 */
export function unavailableReason([name, ...args]: RedisCommand): string | undefined {
  const lower = name.toLowerCase();
  if (UNAVAILABLE.has(lower)) return `ERR Command is not available: '${lower}'`;
  if ((lower === "xread" || lower === "xreadgroup") && hasBlockOption(args)) {
    return `ERR Command is not available: '${lower}' with BLOCK (REST has no blocking reads)`;
  }
  return undefined;
}

/** Scans the options before STREAMS, skipping option values (a group may be named "block"). */
function hasBlockOption(args: string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const upper = args[i]?.toUpperCase();
    if (upper === "STREAMS") return false;
    if (upper === "BLOCK") return true;
    if (upper === "GROUP") i += 2;
    else if (upper === "COUNT") i += 1;
  }
  return false;
}
