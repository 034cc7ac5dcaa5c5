/**
 * The one logger of both apps and the store: JSON lines (`time`, `level`, `region`,
 * `event`, then the fields), filtered by `logging.level`. Level names are the Python
 * original's, so an operator's `logging.level = "WARNING"` means what it meant there.
 * Secrets never reach it: callers log key prefixes and ids, never values.
 */

export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LogLevel;
  /** True when a line at `level` would be written: guard costly fields with it. */
  enabled(level: LogLevel): boolean;
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (a request id, a component). */
  with(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** `logging.level`. @default "INFO" */
  level?: LogLevel;
  /** Region id written on every line. */
  region?: string;
  /** Where lines go. @default console.log (workerd and Node both collect stdout) */
  sink?: (line: string) => void;
  /** @default () => new Date() */
  now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const level = options.level ?? "INFO";
  const threshold = LOG_LEVELS.indexOf(level);
  const sink = options.sink ?? ((line: string) => console.log(line));
  const now = options.now ?? (() => new Date());
  const enabled = (at: LogLevel) => LOG_LEVELS.indexOf(at) >= threshold;
  const write = (at: LogLevel, event: string, fields: LogFields = {}) => {
    if (!enabled(at)) return;
    const line = {
      time: now().toISOString(),
      level: at,
      ...(options.region === undefined ? {} : { region: options.region }),
      event,
      ...bound,
      ...fields,
    };
    sink(JSON.stringify(line, jsonSafe));
  };
  return {
    level,
    enabled,
    debug: (event, fields) => write("DEBUG", event, fields),
    info: (event, fields) => write("INFO", event, fields),
    warn: (event, fields) => write("WARNING", event, fields),
    error: (event, fields) => write("ERROR", event, fields),
    with: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** Errors as `{name, message}`, bigints as strings: a log line must never throw. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** Writes nothing: for code paths (tests, tools) that take a logger but have no reader. */
export const silentLogger: Logger = createLogger({ level: "CRITICAL", sink: () => {} });
