import { createServer } from "node:net";

/**
 * Listening ports are picked below Linux's ephemeral range (32768–60999): a port the
 * kernel hands out as "free" from inside that range can be taken by any outgoing
 * connection (this machine's tests open thousands to Redis and Postgres) between the
 * check and the moment workerd binds it, which failed starts with ERR_ADDRESS_IN_USE.
 */
const QUIET_RANGE = { from: 20_000, to: 32_000 };
const ATTEMPTS = 50;

/** `preferred` when free on 127.0.0.1, else a free port outside the ephemeral range. */
export async function freePortOnLoopback(preferred = 0): Promise<number> {
  if (preferred !== 0 && (await isFree(preferred))) return preferred;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = QUIET_RANGE.from + Math.floor(Math.random() * (QUIET_RANGE.to - QUIET_RANGE.from));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port on 127.0.0.1 in ${QUIET_RANGE.from}-${QUIET_RANGE.to}`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
