import {
  type HybridClock,
  type Keyring,
  type Logger,
  type PrivacyBand,
  type ServedSpaces,
  silentLogger,
  type TransitKeyring,
  type TransitPolicy,
  type TransitRecipient,
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
  /** `memory.team_spaces` with the prefix that names them: peers' events of other spaces are dropped. */
  spaces: ServedSpaces;
  /** How content leaves: in clear, or sealed for the peers allowed to store it (and this region). */
  transit: StoreTransit;
  /** This region's transit keys: what opens content peers sealed for it (absent: nothing does). */
  transitKeyring?: TransitKeyring;
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
  /** @default every team, prefix "team" */
  spaces?: ServedSpaces;
  /** @default clear (the gateway passes the config's, sealed by default) */
  transit?: StoreTransit;
  transitKeyring?: TransitKeyring;
  keyring: Keyring;
  clock: HybridClock;
  /** @default true */
  publishing?: boolean;
  /** @default silentLogger */
  log?: Logger;
}

/**
 * The sealing policy with this region's own key as one more recipient, so the origin can
 * read its own events back from the transport (a replay after a restore).
 */
export type StoreTransit = TransitPolicy & { self?: TransitRecipient };

export const EVERY_TEAM: ServedSpaces = { prefix: "team", teams: ["*"] };

export function storeContext(options: StoreOptions): StoreContext {
  return {
    ...options,
    spaces: options.spaces ?? EVERY_TEAM,
    transit: options.transit ?? { mode: "clear" },
    s: `"${checkIdentifier(options.schema, "schema")}"`,
    realtimeReplication: options.realtimeReplication ?? true,
    publishing: options.publishing ?? true,
    log: options.log ?? silentLogger,
  };
}
