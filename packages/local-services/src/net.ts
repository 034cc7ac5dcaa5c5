import { createServer, Socket } from "node:net";

/** The only address anything in this package listens on or starts a server on. */
export const LOOPBACK = "127.0.0.1";

/**
 * Asks the kernel for a free TCP port on 127.0.0.1. Another process may take it
 * before we bind it; callers that start servers retry on EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") {
    throw new Error("freePort: the kernel gave no TCP port");
  }
  return address.port;
}

/** True when something accepts a TCP connection on host:port within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

export interface WaitOptions {
  /** What is awaited, for the error message. */
  what: string;
  /** Give up after this long. @default 15000 */
  timeoutMs?: number;
  /** Pause between attempts. @default 50 */
  intervalMs?: number;
}

/**
 * Polls `check` until it returns true. Bounded in time and therefore in count:
 * at most timeoutMs / intervalMs attempts (+1).
 */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  { what, timeoutMs = 15_000, intervalMs = 50 }: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const maxAttempts = Math.ceil(timeoutMs / intervalMs) + 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  const cause = lastError instanceof Error ? `: ${lastError.message}` : "";
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** "host:port" with IPv6 hosts bracketed. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
