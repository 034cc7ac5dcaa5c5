import {
  type HybridClock,
  type Keyring,
  type Logger,
  type PrivacyBand,
  silentLogger,
} from "@memoria/sync-core";
import { checkIdentifier, type SqlPool } from "./sql.js";

/** What every store operation needs: where the tables are and who this region is. */
export interface StoreContext {
  pool: SqlPool;
  /** Quoted schema name, `"memoria_region_a"`. */
  s: string;
  schema: string;
  /** Region id: the origin of events written here. */
  region: string;
  /** `memory.namespace`: the tenant this deployment serves. */
  namespace: string;
  /** This region's sync band: what may leave (publish) and what may be stored from peers (apply). */
  band: PrivacyBand;
  /** `sync.realtime_replication`: send record content to peers, not just ids. */
  realtimeReplication: boolean;
  keyring: Keyring;
  clock: HybridClock;
  /** Queue events for peers. Off when sync is off or unsigned: writes then stay in this region. */
  publishing: boolean;
  /** At DEBUG, one line per event published and per event consumed (the drills read them). */
  log: Logger;
}

export interface StoreOptions {
  pool: SqlPool;
  /** Postgres schema holding this region's tables (created by `migrate`). */
  schema: string;
  region: string;
  namespace: string;
  band: PrivacyBand;
  realtimeReplication?: boolean;
  keyring: Keyring;
  clock: HybridClock;
  /** @default true */
  publishing?: boolean;
  /** @default silentLogger */
  log?: Logger;
}

export function storeContext(options: StoreOptions): StoreContext {
  return {
    ...options,
    s: `"${checkIdentifier(options.schema, "schema")}"`,
    realtimeReplication: options.realtimeReplication ?? true,
    publishing: options.publishing ?? true,
    log: options.log ?? silentLogger,
  };
}
