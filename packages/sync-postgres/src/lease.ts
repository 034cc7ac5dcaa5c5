import type { LeaderLease, Lease } from "@memoria/sync-core";
import { ensureJournal } from "./ddl.js";
import { checkName, type JournalNames, journalNames } from "./names.js";
import { num, type SqlPool, text, withClient } from "./sql.js";

export interface PostgresLeaseOptions {
  /** A Neon `Pool` or a `pg` `Pool`; in workerd, one per request. */
  pool: SqlPool;
  /** The journal table (`sync.table`); leases live in `<table>_leases`. @default "memoria_sync_events" */
  table?: string;
  /** Which lease (one row each). @default "leader" */
  name?: string;
  /** Create the tables on first use when missing. @default true */
  ensureSchema?: boolean;
}

/** Longest lease this accepts (a day): a TTL is a heartbeat interval, not a reservation. */
export const MAX_LEASE_TTL_MS = 86_400_000;

const RETURNING = `returning holder, token::text as token,
  floor(extract(epoch from expires_at) * 1000)::float8 as expires_ms`;

/**
 * `LeaderLease` as one row per lease name in `<table>_leases`, every operation a single
 * statement judged by the database clock (`now()`), so holders on machines with skewed
 * clocks still agree. A new holder gets the previous token + 1; the row is never
 * deleted, so tokens never repeat and only grow.
 */
export class PostgresLeaderLease implements LeaderLease {
  readonly name: string;
  readonly names: JournalNames;
  private readonly pool: SqlPool;
  private readonly ensureSchema: boolean;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresLeaseOptions) {
    this.pool = options.pool;
    this.names = journalNames(options.table ?? "memoria_sync_events");
    this.name = checkName(options.name ?? "leader", "lease name");
    this.ensureSchema = options.ensureSchema ?? true;
  }

  /**
   * Takes the lease if nobody holds it, it expired, or `holder` holds it already. A
   * holder that still holds it keeps its token (this extends it); anyone else, including
   * a holder whose own lease expired meanwhile, gets a new token.
   */
  async acquire(holder: string, ttlMs: number): Promise<Lease | null> {
    checkName(holder, "lease holder");
    checkTtl(ttlMs);
    return this.one(
      `insert into ${this.names.leases} as l (name, holder, token, expires_at, acquired_at)
       values ($1, $2, 1, now() + $3::float8 * interval '1 millisecond', now())
       on conflict (name) do update set
         token = case when l.holder = excluded.holder and l.expires_at > now()
                      then l.token else l.token + 1 end,
         acquired_at = case when l.holder = excluded.holder and l.expires_at > now()
                            then l.acquired_at else now() end,
         holder = excluded.holder,
         expires_at = excluded.expires_at
       where l.expires_at <= now() or l.holder = excluded.holder
       ${RETURNING}`,
      [this.name, holder, ttlMs],
    );
  }

  /** Extends a live lease held by exactly this holder and token; `null` otherwise. */
  async renew(lease: Lease, ttlMs: number): Promise<Lease | null> {
    checkTtl(ttlMs);
    return this.one(
      `update ${this.names.leases}
          set expires_at = now() + $4::float8 * interval '1 millisecond'
        where name = $1 and holder = $2 and token = $3::bigint and expires_at > now()
       ${RETURNING}`,
      [this.name, lease.holder, String(lease.token), ttlMs],
    );
  }

  /** Ends a live lease held by exactly this holder and token; the token stays. */
  async release(lease: Lease): Promise<boolean> {
    const released = await this.one(
      `update ${this.names.leases} set expires_at = '-infinity'
        where name = $1 and holder = $2 and token = $3::bigint and expires_at > now()
       ${RETURNING}`,
      [this.name, lease.holder, String(lease.token)],
    );
    return released !== null;
  }

  /** Takes the lease whoever holds it, always with a new token (`/admin/promote`). */
  async seize(holder: string, ttlMs: number): Promise<Lease> {
    checkName(holder, "lease holder");
    checkTtl(ttlMs);
    const lease = await this.one(
      `insert into ${this.names.leases} as l (name, holder, token, expires_at, acquired_at)
       values ($1, $2, 1, now() + $3::float8 * interval '1 millisecond', now())
       on conflict (name) do update set
         holder = excluded.holder, token = l.token + 1,
         expires_at = excluded.expires_at, acquired_at = now()
       ${RETURNING}`,
      [this.name, holder, ttlMs],
    );
    if (lease === null) throw new Error(`seize of lease ${this.name} returned no row`);
    return lease;
  }

  /** The live lease, or `null` when nobody holds it (expired or released). */
  async current(): Promise<Lease | null> {
    return this.one(
      `select holder, token::text as token,
              floor(extract(epoch from expires_at) * 1000)::float8 as expires_ms
         from ${this.names.leases} where name = $1 and expires_at > now()`,
      [this.name],
    );
  }

  private async one(sql: string, params: unknown[]): Promise<Lease | null> {
    if (this.ensureSchema) {
      this.ready ??= ensureJournal(this.pool, this.names).catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
      await this.ready;
    }
    const { rows } = await withClient(this.pool, (client) => client.query(sql, params));
    const row = rows[0];
    if (row === undefined) return null;
    const token = Number(text(row, "token"));
    if (!Number.isSafeInteger(token)) throw new RangeError(`lease token past 2^53: ${row.token}`);
    return { holder: text(row, "holder"), token, expiresAt: num(row, "expires_ms") };
  }
}

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_LEASE_TTL_MS) {
    throw new RangeError(`ttlMs must be an integer from 1 to ${MAX_LEASE_TTL_MS}: ${ttlMs}`);
  }
}
