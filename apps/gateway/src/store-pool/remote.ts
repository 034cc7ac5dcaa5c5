import type { SqlClient, SqlPool, SqlResult } from "@memoria/sql";
import type { StorePool } from "./host.js";
import { unwrap } from "./outcome.js";

export interface RemoteSqlPool extends SqlPool {
  query(text: string, params?: unknown[]): Promise<SqlResult>;
  /** Every connection this request released is back in the pool. */
  settled(): Promise<void>;
}

/**
 * The store's `SqlPool` for a request: connections borrowed from the region's `StorePool`
 * object instead of opened for the request. `query` is one statement on any connection;
 * `connect` holds one connection (a session) until `release`.
 */
export function remoteSqlPool(
  namespace: DurableObjectNamespace<StorePool>,
  region: string,
): RemoteSqlPool {
  const host = () => namespace.get(namespace.idFromName(region));
  const releasing = new Set<Promise<unknown>>();
  return {
    async settled() {
      await Promise.allSettled([...releasing]);
    },
    async query(text, params) {
      return unwrap(await host().query(text, params));
    },
    async connect(): Promise<SqlClient> {
      const session = await host().session();
      let released = false;
      return {
        async query(text, params) {
          return unwrap(await session.query(text, params));
        },
        release(error) {
          if (released) return;
          released = true;
          // The caller goes on at once; `settled()` (the services' close) waits for it.
          const done = session
            .release(error !== undefined && error !== false)
            .catch(() => undefined)
            .finally(() => {
              session[Symbol.dispose]();
              releasing.delete(done);
            });
          releasing.add(done);
        },
      };
    },
  };
}
