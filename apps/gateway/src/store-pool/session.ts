import { RpcTarget } from "cloudflare:workers";
import type { PoolClient } from "@neondatabase/serverless";
import { outcomeOf, type SqlOutcome } from "./outcome.js";

/**
 * A session a request holds on one of the pool's connections: its statements run on the
 * same connection, so transactions work across RPC calls. Released by the caller; if the
 * caller goes away first (its request ended, its stub was dropped), or holds it longer
 * than `maxHoldMs`, the connection is destroyed rather than reused: it may be mid-transaction.
 */
export class PoolSession extends RpcTarget {
  #client: PoolClient | undefined;
  readonly #deadline: ReturnType<typeof setTimeout>;

  constructor(client: PoolClient, maxHoldMs: number, onLost: (reason: string) => void) {
    super();
    this.#client = client;
    this.#deadline = setTimeout(() => {
      if (this.#client) onLost("session held past its limit");
      this.#end(true);
    }, maxHoldMs);
  }

  query(text: string, params?: unknown[]): Promise<SqlOutcome> {
    const client = this.#client;
    if (!client)
      return Promise.resolve({ ok: false, error: { message: "session already released" } });
    return outcomeOf(() => client.query(text, params));
  }

  /** Back to the pool; `destroy` (the connection failed) closes it instead. */
  release(destroy: boolean): void {
    this.#end(destroy);
  }

  /** The caller's stub is gone without a release: the connection's state is unknown. */
  [Symbol.dispose](): void {
    this.#end(true);
  }

  #end(destroy: boolean): void {
    clearTimeout(this.#deadline);
    const client = this.#client;
    this.#client = undefined;
    client?.release(destroy);
  }
}
