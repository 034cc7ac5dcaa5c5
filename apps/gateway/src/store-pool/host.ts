import { DurableObject } from "cloudflare:workers";
import { createLogger } from "@memoria/sync-core";
import type { Pool } from "@neondatabase/serverless";
import { type Bindings, envSchema } from "../env.js";
import { DEFAULT_POOL_MAX, storePool } from "./neon.js";
import { outcomeOf, type SqlOutcome, type Statement } from "./outcome.js";
import { PoolSession } from "./session.js";

/** A request's session is destroyed after this: no request of ours holds a transaction that long. */
const SESSION_MAX_HOLD_MS = 60_000;

/**
 * One per region (`idFromName(region)`): the region's connections to its store, kept open
 * across requests. A Worker's request may not keep a socket past its own end, so each
 * request used to open a WebSocket and a Postgres session and close them after; a Durable
 * Object keeps its I/O between calls, so requests borrow its connections instead
 * (`remote.ts`). A dropped connection leaves the pool and the next checkout opens a new one.
 */
export class StorePool extends DurableObject<Bindings> {
  #pool: Pool | undefined;
  readonly #log = createLogger();

  /** One statement on any connection (autocommit). */
  query(text: string, params?: unknown[]): Promise<SqlOutcome> {
    const pool = this.#connections();
    return outcomeOf(() => pool.query(text, params));
  }

  /**
   * A connection of its own for the caller's statements, until it releases it. The first
   * statements come with the checkout, so opening a transaction costs no extra call.
   */
  async session(
    first: readonly Statement[],
  ): Promise<{ session: PoolSession; outcome: SqlOutcome }> {
    const client = await this.#connections().connect();
    const session = new PoolSession(client, SESSION_MAX_HOLD_MS, (reason) =>
      this.#log.warn("store_pool.session_destroyed", { reason }),
    );
    return { session, outcome: await session.run(first) };
  }

  #connections(): Pool {
    if (this.#pool) return this.#pool;
    const env = envSchema.parse(this.env);
    this.#pool = storePool(env, {
      max: env.STORE_POOL_MAX ?? DEFAULT_POOL_MAX,
      region: this.ctx.id.name ?? "unknown",
      user: "requests",
      onIdleError: (error) => this.#log.warn("db.idle_connection_lost", { error }),
    });
    return this.#pool;
  }
}
