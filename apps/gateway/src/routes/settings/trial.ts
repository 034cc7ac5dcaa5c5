import {
  ConfigError,
  createKeyring,
  FIXED_KEYS,
  fixedKeyMessage,
  loadStoredSettings,
  type MemoriaConfig,
  type SyncBackend,
} from "@memoria/sync-core";
import { connectSync, syncBackends } from "@memoria/transports";
import { stringVars } from "../../env.js";
import { transitFor } from "../../services/transit.js";
import type { Services } from "../../services.js";
import { syncIssues } from "../../services.js";
import { rejected, rejectedIssues } from "./refusal.js";

/** Changing one of these means the backend is reached with the new values before saving. */
const CONNECTION_KEYS = [
  "sync.enabled",
  "sync.backend",
  "sync.connection_url",
  "sync.token",
  "sync.options",
  "sync.channel",
  "sync.table",
] as const;

/** How long the trial waits for the backend to answer; a region's probes use the same order. */
export const TRIAL_TIMEOUT_MS = 3_000;

/**
 * Everything the region would build from these overrides, built before any is saved: the
 * whole configuration (schema and sync backend rules), the signing keyring, the same
 * region and namespace, and — when the patch touches how sync connects — the backend
 * itself, connected and asked for its health. Returns the configuration, or throws a 400
 * naming the key and what would work. An unrelated patch (`logging.level`) does not
 * depend on the backend answering, so it is accepted while the backend is down.
 */
export async function trialConfig(
  services: Services,
  bindings: Record<string, unknown>,
  overrides: Record<string, unknown>,
  changed: readonly string[],
): Promise<MemoriaConfig> {
  const config = validated(services, bindings, overrides);
  await keyringBuilds(config);
  await transitBuilds(config);
  sameDeployment(services.config, config);
  const touched = changed.filter((key) => isConnectionKey(key));
  if (touched.length > 0 && config.sync.enabled && config.sync.backend !== "none")
    await backendAnswers(config, config.sync.backend, touched);
  return config;
}

function isConnectionKey(key: string): boolean {
  return CONNECTION_KEYS.some(
    (k) => key === k || key.startsWith(`${k}.`) || k.startsWith(`${key}.`),
  );
}

/**
 * The whole configuration the stored overrides give, by the path a region takes at start
 * (`loadStoredSettings`: the rows normalized, the schema's rules, then the sync backend's
 * — a redis:// URL where the edge needs REST), except that nothing may be left out.
 */
function validated(
  services: Services,
  bindings: Record<string, unknown>,
  overrides: Record<string, unknown>,
): MemoriaConfig {
  try {
    const input = {
      ...(services.env.MEMORIA_TOML ? { toml: services.env.MEMORIA_TOML } : {}),
      env: stringVars(bindings),
    };
    return loadStoredSettings(input, overrides, syncIssues).config;
  } catch (error) {
    if (error instanceof ConfigError) throw rejectedIssues(error.issues);
    throw error;
  }
}

/** Signing keys that cannot be imported would leave the region unable to sign or verify. */
async function keyringBuilds(config: MemoriaConfig): Promise<void> {
  const current = config.sync.signing_key_id;
  if (current === undefined) return;
  const keys = Object.fromEntries(
    Object.entries(config.sync.signing_keys).map(([id, secret]) => [id, String(secret)]),
  );
  try {
    await createKeyring({ current, keys });
  } catch (error) {
    // The keyring's messages name key ids and lengths, never a secret.
    throw rejected([{ field: "sync.signing_keys", message: (error as Error).message }]);
  }
}

/**
 * Transit keys that do not import (a point off the curve, a key that is not P-256) would
 * leave the region unable to open what peers seal for it, or to seal for a peer.
 */
async function transitBuilds(config: MemoriaConfig): Promise<void> {
  const failure = await transitFor(config).then(
    () => undefined,
    (error: Error) => error.message,
  );
  if (failure === undefined) return;
  // The messages name key ids and regions, never a private key.
  const field = failure.startsWith("regions") ? "regions" : "sync.transit_keys";
  throw rejected([{ field, message: failure }]);
}

/**
 * The store's schema and every peer know this region by id and namespace: they cannot
 * move. The reader refuses these keys in any form; this holds whatever else moves them.
 */
function sameDeployment(now: MemoriaConfig, next: MemoriaConfig): void {
  const moved = FIXED_KEYS.filter((key) => valueAt(now, key) !== valueAt(next, key));
  if (moved.length > 0)
    throw rejected(moved.map((field) => ({ field, message: fixedKeyMessage(field) })));
}

function valueAt(config: MemoriaConfig, key: string): unknown {
  let node: unknown = config;
  for (const part of key.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

/** Connects with the new values and asks for health; no answer (or an error) is a 400. */
async function backendAnswers(
  config: MemoriaConfig,
  backend: SyncBackend,
  touched: readonly string[],
): Promise<void> {
  const connection = connectSync(config, {
    consumer: `${config.region.id}-settings-trial`,
    healthTimeoutMs: TRIAL_TIMEOUT_MS,
  });
  if (connection === null) return;
  try {
    const health = await connection.transport.health();
    if (health.reachable && health.error === undefined) return;
    const reason = scrub(health.error ?? "no answer", config);
    throw rejected([
      {
        field: blamedKey(backend, touched, reason),
        message: `${backend} did not answer with these settings (${reason}); ${syncBackends[backend].howToConnect}`,
      },
    ]);
  } finally {
    // A pool stuck on a dead host must not hold the response.
    await Promise.race([
      connection.close().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 1_000)),
    ]);
  }
}

/** A refused credential is the token's fault on Redis; anything else, the URL's (Postgres keeps its password there). */
function blamedKey(backend: SyncBackend, touched: readonly string[], reason: string): string {
  const refused = /unauthori[sz]ed|\b401\b|forbidden|\b403\b|WRONGPASS|token/i.test(reason);
  if (backend === "redis" && refused) return "sync.token";
  return (
    touched.find((key) => key === "sync.connection_url") ?? touched[0] ?? "sync.connection_url"
  );
}

/** An error text never carries the URL (it may hold a password) or the token. */
function scrub(text: string, config: MemoriaConfig): string {
  let out = text;
  for (const secret of [config.sync.connection_url, config.sync.token]) {
    if (secret) out = out.split(secret).join("***");
  }
  return out;
}
