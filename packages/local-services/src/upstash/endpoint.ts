import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  BodyTooLargeError,
  bearerToken,
  listenOnLoopback,
  readBody,
  secretEquals,
  sendJsonText,
} from "../http";
import { LOOPBACK } from "../net";
import {
  CommandParseError,
  parseCommand,
  parseCommands,
  type RedisCommand,
  unavailableReason,
} from "./commands";
import { RedisExecutor, RedisUnavailableError, TransactionAbortedError } from "./executor";
import { type CommandOutcome, type EncodeOptions, encodeOutcome } from "./reply";

export interface UpstashEndpointOptions {
  /** The real Redis behind the endpoint, e.g. `redis://127.0.0.1:6379`. */
  redisUrl: string;
  /** The bearer token clients must send. @default a random 32-byte hex string */
  token?: string;
  /** Port on 127.0.0.1. @default 0 (a free port) */
  port?: number;
  /** A Redis command without a reply by then fails. @default 10000 */
  commandTimeoutMs?: number;
  /** Larger request bodies get 413. @default 16 MiB */
  maxBodyBytes?: number;
}

export interface UpstashEndpoint {
  /** `http://127.0.0.1:<port>`: the `url` for `new Redis({ url, token })`. */
  url: string;
  token: string;
  port: number;
  redisUrl: string;
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 that speaks Upstash's REST protocol in
 * front of a real Redis: `POST /` (one command), `POST /pipeline` (in order, not
 * atomic), `POST /multi-exec` (MULTI/EXEC), and Upstash's path form
 * (`GET /get/key`, `POST /set/key` with the value as body) for humans with curl.
 */
export async function startUpstashEndpoint(
  options: UpstashEndpointOptions,
): Promise<UpstashEndpoint> {
  const token = options.token ?? randomBytes(32).toString("hex");
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const executor = await RedisExecutor.connect({
    url: options.redisUrl,
    ...(options.commandTimeoutMs === undefined
      ? {}
      : { commandTimeoutMs: options.commandTimeoutMs }),
  });
  // Read-your-writes: every answer carries a token that only grows. All requests
  // run in order on one Redis, so any later request already sees earlier writes.
  let syncSequence = 0;
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const headers = { "upstash-sync-token": String(++syncSequence) };
    const reply = (status: number, json: string) => sendJsonText(res, status, json, headers);
    try {
      await handle(req, reply, { token, maxBodyBytes, executor });
    } catch (error) {
      if (res.headersSent) return;
      if (error instanceof CommandParseError) reply(400, errorJson(error.message));
      else if (error instanceof BodyTooLargeError) reply(413, errorJson(`ERR ${error.message}`));
      else if (error instanceof TransactionAbortedError) reply(400, errorJson(error.message));
      else if (error instanceof RedisUnavailableError) reply(503, errorJson(error.message));
      else reply(500, errorJson(`ERR internal error: ${(error as Error).message}`));
    }
  };
  const server = createServer((req, res) => void handler(req, res));
  let listening: Awaited<ReturnType<typeof listenOnLoopback>>;
  try {
    listening = await listenOnLoopback(server, options.port ?? 0);
  } catch (error) {
    await executor.close();
    throw error;
  }
  return {
    url: `http://${LOOPBACK}:${listening.port}`,
    token,
    port: listening.port,
    redisUrl: options.redisUrl,
    close: async () => {
      await listening.close();
      await executor.close();
    },
  };
}

interface Context {
  token: string;
  maxBodyBytes: number;
  executor: RedisExecutor;
}

async function handle(
  req: IncomingMessage,
  reply: (status: number, json: string) => void,
  { token, maxBodyBytes, executor }: Context,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://local");
  const given = bearerToken(req) ?? url.searchParams.get("_token") ?? "";
  if (!secretEquals(given, token)) {
    reply(401, errorJson("Unauthorized"));
    return;
  }
  const encode: EncodeOptions = {
    base64: String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64",
  };
  const path = url.pathname.replace(/\/+$/, "");
  const method = req.method ?? "GET";

  if (path === "" || path === "/pipeline" || path === "/multi-exec") {
    if (method !== "POST") {
      reply(405, errorJson("ERR use POST"));
      return;
    }
    const body = parseJson(await readBody(req, maxBodyBytes));
    if (path === "") {
      const outcome = await runOne(executor, parseCommand(body));
      reply(outcome.ok ? 200 : 400, encodeOutcome(outcome, encode));
    } else if (path === "/pipeline") {
      const outcomes = await runPipeline(executor, parseCommands(body));
      reply(200, `[${outcomes.map((outcome) => encodeOutcome(outcome, encode)).join(",")}]`);
    } else {
      const commands = parseCommands(body);
      const refused = commands.map(unavailableReason).find((reason) => reason !== undefined);
      if (refused !== undefined) throw new TransactionAbortedError(refused);
      const outcomes = await executor.runTransaction(commands);
      reply(200, `[${outcomes.map((outcome) => encodeOutcome(outcome, encode)).join(",")}]`);
    }
    return;
  }

  if (method !== "GET" && method !== "POST") {
    reply(405, errorJson("ERR use GET or POST"));
    return;
  }
  // Path form: /set/key/value; a POST body is appended as the last argument.
  const parts = path
    .slice(1)
    .split("/")
    .map((part) => decodeURIComponent(part));
  if (method === "POST") {
    const body = await readBody(req, maxBodyBytes);
    if (body.length > 0) parts.push(body.toString("utf8"));
  }
  const outcome = await runOne(executor, parseCommand(parts));
  reply(outcome.ok ? 200 : 400, encodeOutcome(outcome, encode));
}

function runOne(executor: RedisExecutor, command: RedisCommand): Promise<CommandOutcome> {
  const refused = unavailableReason(command);
  if (refused !== undefined) return Promise.resolve({ ok: false, error: refused });
  return executor.run(command);
}

function runPipeline(executor: RedisExecutor, commands: RedisCommand[]): Promise<CommandOutcome[]> {
  return Promise.all(commands.map((command) => runOne(executor, command)));
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new CommandParseError("ERR failed to parse command");
  }
}

function errorJson(message: string): string {
  return JSON.stringify({ error: message });
}
