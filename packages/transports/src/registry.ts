import type { SyncBackend, SyncBackendDescriptor } from "@memoria/sync-core";
import { postgresBackend } from "@memoria/sync-postgres";
import { redisBackend } from "@memoria/sync-redis";

/** Where the dev/test endpoints in front of the real servers answer (`@memoria/local-services`). */
export interface LocalEndpoints {
  upstash: { url: string; token: string };
  neon: { wsProxy: string; fetchEndpoint: string };
  postgresUrl: string;
}

/** A backend as registered: its descriptor, and how the local topology reaches it. */
export interface RegisteredBackend<Name extends SyncBackend = SyncBackend>
  extends SyncBackendDescriptor<Name> {
  /** Dev/test only: the `MEMORIA_SYNC__…` vars that point this backend at the local endpoints. */
  localVars(endpoints: LocalEndpoints): Record<string, string>;
}

/**
 * The one list of backends. Typed by sync-core's `SYNC_BACKENDS`, so a name without an
 * entry (or an entry without a name) does not compile.
 */
export const syncBackends: { readonly [Name in SyncBackend]: RegisteredBackend<Name> } = {
  redis: {
    ...redisBackend,
    localVars: (endpoints) => ({
      MEMORIA_SYNC__CONNECTION_URL: endpoints.upstash.url,
      MEMORIA_SYNC__TOKEN: endpoints.upstash.token,
    }),
  },
  postgres: {
    ...postgresBackend,
    localVars: (endpoints) => ({ MEMORIA_SYNC__CONNECTION_URL: endpoints.postgresUrl }),
  },
};
