import { createClient, ErrorReply, RESP_TYPES } from "@redis/client";
import type { RedisCommand } from "./commands";
import type { CommandOutcome, RedisReply } from "./reply";

/**
 * RESP2 replies decoded without loss: strings as bytes (base64 needs the exact
 * bytes), integers as digits. RESP2 because Upstash answers as Redis 6 does:
 * HGETALL is a flat array, not a map.
 */
const TYPE_MAPPING = {
  [RESP_TYPES.BLOB_STRING]: Buffer,
  [RESP_TYPES.SIMPLE_STRING]: Buffer,
  [RESP_TYPES.NUMBER]: String,
} as const;

export interface RedisExecutorOptions {
  /** `redis://127.0.0.1:6379` or similar. */
  url: string;
  /** A command without a reply by then fails with an error. @default 10000 */
  commandTimeoutMs?: number;
  /** Give up connecting at start after this long. @default 5000 */
  connectTimeoutMs?: number;
  /** Connections reserved for MULTI/EXEC, so a transaction never interleaves. @default 2 */
  transactionConnections?: number;
}

/** Redis was not reachable or did not answer in time: not a Redis error reply. */
export class RedisUnavailableError extends Error {}

/** Redis refused a whole transaction (EXECABORT), or one of its commands at queue time. */
export class TransactionAbortedError extends Error {}

type Client = ReturnType<typeof newClient>;

/**
 * Runs commands on a real Redis. One shared connection carries single commands
 * and pipelines (Redis answers in order, so a pipeline's replies stay in its
 * order); MULTI/EXEC runs on a reserved connection, one transaction at a time
 * per connection. While Redis is down, commands fail at once (no offline
 * queue) and the clients reconnect in the background.
 */
export class RedisExecutor {
  readonly #main: Client;
  readonly #transactionPool: Client[];
  readonly #idle: Client[];
  readonly #waiters: Array<(client: Client) => void> = [];
  readonly #timeoutMs: number;

  private constructor(main: Client, transactionPool: Client[], timeoutMs: number) {
    this.#main = main;
    this.#transactionPool = transactionPool;
    this.#idle = [...transactionPool];
    this.#timeoutMs = timeoutMs;
  }

  static async connect(options: RedisExecutorOptions): Promise<RedisExecutor> {
    const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    const count = Math.max(1, options.transactionConnections ?? 2);
    const clients = Array.from({ length: count + 1 }, () => newClient(options.url));
    try {
      await withTimeout(
        Promise.all(clients.map((client) => client.connect())),
        connectTimeoutMs,
        `connecting to Redis at ${redactUrl(options.url)}`,
      );
    } catch (error) {
      await Promise.all(clients.map((client) => destroyQuietly(client)));
      throw error;
    }
    const [main, ...pool] = clients as [Client, ...Client[]];
    return new RedisExecutor(main, pool, options.commandTimeoutMs ?? 10_000);
  }

  /** One command; a Redis error reply comes back as an outcome, not a throw. */
  async run(command: RedisCommand): Promise<CommandOutcome> {
    try {
      const reply = await this.#main.sendCommand<RedisReply>(command, this.#options());
      return { ok: true, reply };
    } catch (error) {
      return outcomeOfError(error);
    }
  }

  /** Commands in order on the shared connection, not atomic. */
  runPipeline(commands: RedisCommand[]): Promise<CommandOutcome[]> {
    return Promise.all(commands.map((command) => this.run(command)));
  }

  /**
   * MULTI, the commands, EXEC. Runtime errors come back per command; an error at
   * queue time aborts the whole transaction with Redis's EXECABORT text.
   */
  async runTransaction(commands: RedisCommand[]): Promise<CommandOutcome[]> {
    const client = await this.#acquire();
    try {
      const options = this.#options();
      const sent = [
        client.sendCommand(["MULTI"], options),
        ...commands.map((command) => client.sendCommand(command, options)),
        client.sendCommand<RedisReply>(["EXEC"], options),
      ];
      const settled = await Promise.allSettled(sent);
      const exec = settled[settled.length - 1];
      if (exec === undefined || exec.status === "rejected") {
        const reason = exec?.status === "rejected" ? exec.reason : undefined;
        if (reason instanceof ErrorReply) throw new TransactionAbortedError(reason.message);
        throw asUnavailable(reason);
      }
      const replies = exec.value;
      if (!Array.isArray(replies)) {
        // Nil from EXEC means a WATCH failed; WATCH is refused, so this is a bug.
        throw new TransactionAbortedError("EXECABORT Transaction discarded (EXEC returned nil)");
      }
      return replies.map(
        (reply): CommandOutcome =>
          reply instanceof Error ? { ok: false, error: reply.message } : { ok: true, reply },
      );
    } finally {
      this.#release(client);
    }
  }

  async close(): Promise<void> {
    const all = [this.#main, ...this.#transactionPool];
    await Promise.all(all.map((client) => destroyQuietly(client)));
    // Anyone still waiting for a transaction connection gets a closed one and fails fast.
    for (const waiter of this.#waiters.splice(0)) waiter(this.#main);
  }

  #options() {
    return { typeMapping: TYPE_MAPPING, timeout: this.#timeoutMs };
  }

  #acquire(): Promise<Client> {
    const client = this.#idle.pop();
    if (client) return Promise.resolve(client);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #release(client: Client): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(client);
    else this.#idle.push(client);
  }
}

function newClient(url: string) {
  const client = createClient({
    url,
    RESP: 2,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2_000,
      // Reconnect forever, at most once a second: drills stop and restart Redis.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1_000),
    },
  });
  // Without a listener an 'error' event (Redis going away) would crash the process.
  client.on("error", () => {});
  return client;
}

function outcomeOfError(error: unknown): CommandOutcome {
  if (error instanceof ErrorReply) return { ok: false, error: error.message };
  throw asUnavailable(error);
}

function asUnavailable(error: unknown): RedisUnavailableError {
  const message = error instanceof Error ? error.message : String(error);
  return new RedisUnavailableError(`ERR Redis is unavailable: ${message}`);
}

async function destroyQuietly(client: Client): Promise<void> {
  try {
    if (client.isOpen) client.destroy();
  } catch {
    // already closed
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisUnavailableError(`timed out ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<invalid url>";
  }
}
