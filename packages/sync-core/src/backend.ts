import { z } from "zod";
import type { ConfigIssue } from "./config/load.js";
import type { MemoriaConfig } from "./config/schema.js";
import type { Logger } from "./log.js";
import type { LeaderLease, SyncTransport } from "./transport.js";

/**
 * The sync backends there are. The config schema accepts `none` plus these, and the
 * registry (`@memoria/transports`) must hold one descriptor for each — the compiler
 * checks it — so a new backend is its package, its name here and its registry entry.
 */
export const SYNC_BACKENDS = ["redis", "postgres"] as const;
export type SyncBackend = (typeof SYNC_BACKENDS)[number];

/**
 * What a backend can do, for the code that schedules delivery and leader work; every
 * gateway reports its backend's in `/health/sync`.
 */
export const backendCapabilitiesSchema = z.strictObject({
  /**
   * `pull`: each region reads from its durable cursor when it polls (a Durable Object
   * alarm, the cron). `push`: the backend calls the region (a queue consumer), so the
   * region does not poll.
   */
  delivery: z.enum(["pull", "push"]),
  /** Offers `LeaderLease`s in the same store (writer role, scheduler leader). */
  leases: z.boolean(),
  /**
   * A peer's signed "I just published" hint shortens the wait: true for pull delivery
   * over clients that cannot block (REST Redis, LISTEN that lives only for a request).
   */
  wakeHints: z.boolean(),
});
export type BackendCapabilities = z.infer<typeof backendCapabilitiesSchema>;

/** What a configuration means for one backend, judged before anything connects. */
export interface BackendConfigReport {
  /** The configuration cannot work: refuse it (`ConfigError` at connect, 400 on PATCH). */
  issues: ConfigIssue[];
  /** Accepted, but an operator should know (a key with no meaning on the edge, say). */
  warnings: string[];
}

/** Per-process facts a backend needs beyond the config; all optional. */
export interface BackendDeps {
  /** The consuming region's cursor or group. @default config `region.id` */
  region?: string;
  /** This isolate's or process's name among the region's consumers. @default random */
  consumer?: string;
  /** An entry handed out but not acked is handed out again after this long. @default 30000 */
  claimIdleMs?: number;
  /** `health()` answers `reachable: false` after this long. @default 5000 */
  healthTimeoutMs?: number;
  /** Where connection trouble the caller cannot catch (an idle pooled connection lost) goes. */
  log?: Logger;
}

/** An open backend: its transport, its leases and what it owns (clients, pools). */
export interface BackendConnection<
  T extends SyncTransport = SyncTransport,
  L extends LeaderLease = LeaderLease,
> {
  transport: T;
  /** The lease `name` (`writer`, `scheduler`) in this backend's store. */
  lease(name: string): L;
  /** The config's warnings for this backend (as `validate` reports them). */
  warnings: string[];
  /** Releases what the connection opened; call once the work (the request) is done. */
  close(): Promise<void>;
}

/**
 * One backend as the gateway, the CLI, the benchmarks and the local topology see it.
 * Every backend package exports one of these; `connect` builds its own client or pool
 * from the config and throws `ConfigError` (the issues of `validate`) when it cannot.
 */
export interface SyncBackendDescriptor<
  Name extends SyncBackend = SyncBackend,
  T extends SyncTransport = SyncTransport,
  L extends LeaderLease = LeaderLease,
> {
  readonly name: Name;
  readonly capabilities: BackendCapabilities;
  /**
   * How the edge reaches this backend, for an operator whose settings did not work: the
   * advice every refusal of `sync.connection_url` / `sync.token` ends with.
   */
  readonly howToConnect: string;
  validate(config: MemoriaConfig): BackendConfigReport;
  connect(config: MemoriaConfig, deps?: BackendDeps): BackendConnection<T, L>;
}

/** The issue every backend reports when asked to connect a config naming another one. */
export function backendMismatch(config: MemoriaConfig, name: SyncBackend): ConfigIssue[] {
  return config.sync.backend === name
    ? []
    : [{ key: "sync.backend", message: `is "${config.sync.backend}", not "${name}"` }];
}
