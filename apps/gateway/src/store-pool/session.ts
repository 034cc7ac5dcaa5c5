import { RpcTarget } from "cloudflare:workers";
import type { PoolClient } from "@neondatabase/serverless";
import { runInOrder, type SqlOutcome, type Statement } from "./outcome.js";

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

  /** Statements in order on this session's connection (a deferred `begin` travels with the next). */
  run(statements: readonly Statement[]): Promise<SqlOutcome> {
    const client = this.#client;
    if (!client)
      return Promise.resolve({ ok: false, error: { message: "session already released" } });
    return runInOrder((text, params) => client.query(text, params), statements);
  }

  /** The last statements (a `commit`), then, if they succeeded, the connection goes back: one call. */
  async finish(statements: readonly Statement[]): Promise<SqlOutcome> {
    const outcome = await this.run(statements);
    if (outcome.ok) this.#end(false);
    return outcome;
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
