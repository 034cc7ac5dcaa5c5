import type { SqlClient, SqlPool, SqlResult } from "@memoria/sql";
import { objectId } from "../object-id.js";
import type { StorePool } from "./host.js";
import { type SqlOutcome, type Statement, unwrap } from "./outcome.js";

export interface RemoteSqlPool extends SqlPool {
  query(text: string, params?: unknown[]): Promise<SqlResult>;
  /** Every connection this request released is back in the pool. */
  settled(): Promise<void>;
}

/** `begin …` is answered at once and sent with the next statement. */
const OPENS_TRANSACTION = /^\s*begin\b/i;
/** `commit` goes with the release of the connection. */
const COMMITS = /^\s*commit\s*$/i;
const NOTHING: SqlResult = { rows: [], rowCount: null };

/**
 * The store's `SqlPool` for a request: connections borrowed from the region's `StorePool`
 * object instead of opened for the request. `query` is one statement on any connection;
 * `connect` holds one connection (a session) until `release`. Each call to the object is a
 * round trip, so a session is checked out with its first statements, `begin` travels with
 * the statement after it, and `commit` with the release: a transaction of n statements
 * costs n calls.
 */
export function remoteSqlPool(
  namespace: DurableObjectNamespace<StorePool>,
  region: string,
): RemoteSqlPool {
  const id = objectId(namespace as DurableObjectNamespace<never>, region);
  const host = () => namespace.get(id) as unknown as Host;
  const releasing = new Set<Promise<unknown>>();
  return {
    async query(text, params) {
      return unwrap(await host().query(text, params));
    },
    async connect(): Promise<SqlClient> {
      return new RemoteClient(host, (done) => {
        releasing.add(done);
        void done.finally(() => releasing.delete(done));
      });
    },
    async settled() {
      await Promise.allSettled([...releasing]);
    },
  };
}

/** The session as the caller sees it: every method a round trip to the object. */
interface SessionStub extends Disposable {
  run(statements: readonly Statement[]): Promise<SqlOutcome>;
  finish(statements: readonly Statement[]): Promise<SqlOutcome>;
  release(destroy: boolean): Promise<void>;
}

/** The `StorePool` as the caller sees it (workers-types cannot map a result holding an RpcTarget). */
interface Host {
  query(text: string, params?: unknown[]): Promise<SqlOutcome>;
  session(first: readonly Statement[]): Promise<{ session: SessionStub; outcome: SqlOutcome }>;
}

class RemoteClient implements SqlClient {
  #session: SessionStub | undefined;
  #deferred: Statement[] = [];
  /** The connection went back with a successful `commit`. */
  #returned = false;
  #released = false;

  constructor(
    private readonly host: () => Host,
    private readonly track: (releasing: Promise<unknown>) => void,
  ) {}

  async query(text: string, params?: unknown[]): Promise<SqlResult> {
    if (this.#released || this.#returned) throw new Error("connection already released");
    const statement = params === undefined ? { text } : { text, params };
    if (this.#session === undefined && OPENS_TRANSACTION.test(text) && params === undefined) {
      this.#deferred.push(statement);
      return NOTHING;
    }
    const statements = [...this.#deferred, statement];
    this.#deferred = [];
    return unwrap(await this.#send(statements, COMMITS.test(text) && params === undefined));
  }

  async #send(statements: Statement[], commits: boolean): Promise<SqlOutcome> {
    if (this.#session === undefined) {
      const opened = await this.host().session(statements);
      this.#session = opened.session;
      return opened.outcome;
    }
    if (!commits) return this.#session.run(statements);
    const outcome = await this.#session.finish(statements);
    if (outcome.ok) this.#returned = true;
    return outcome;
  }

  release(error?: Error | boolean): void {
    if (this.#released) return;
    this.#released = true;
    const session = this.#session;
    if (session === undefined) return;
    const destroy = error !== undefined && error !== false;
    // The caller goes on at once; the services' close waits for the connection to be back.
    const back = this.#returned && !destroy ? Promise.resolve() : session.release(destroy);
    this.track(back.catch(() => undefined).finally(() => session[Symbol.dispose]()));
  }
}
