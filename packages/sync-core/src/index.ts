export {
  API_KEY_PATTERN,
  API_KEY_PREFIX,
  API_SCOPES,
  type ApiKeyState,
  type ApiScope,
  apiKeyStateSchema,
  apiScopesSchema,
  apiTeamsSchema,
  DISPLAY_PREFIX_LENGTH,
  displayPrefix,
  generateApiKey,
  hashApiKey,
  SCOPE_HELP,
} from "./apikey.js";
export {
  type BackendCapabilities,
  type BackendConfigReport,
  type BackendConnection,
  type BackendDeps,
  backendCapabilitiesSchema,
  backendMismatch,
  SYNC_BACKENDS,
  type SyncBackend,
  type SyncBackendDescriptor,
} from "./backend.js";
export { canonicalJson } from "./canonical-json.js";
export {
  type ClientOptionTable,
  type OptionKind,
  type OptionValue,
  type ReadClientOptions,
  readClientOptions,
} from "./client-options.js";
export {
  CONFIG_KEYS,
  configKeys,
  type KeyNode,
  type ResolvedKey,
  resolveKey,
} from "./config/keys.js";
export {
  ConfigError,
  type ConfigIssue,
  formatIssue,
  type LoadConfigInput,
  type LoadedConfig,
  loadConfig,
  type ValueOrigin,
} from "./config/load.js";
export {
  fixedKeyMessage,
  normalizeSettings,
  PROTOTYPE_KEYS,
  type ReadSettings,
  readSettings,
} from "./config/normalize.js";
export { patchSettings, type SettingsChange } from "./config/patch.js";
export {
  CRON_INTERVAL_MS,
  configSchema,
  FIXED_KEYS,
  FREE_FORM_KEYS,
  isIanaTimeZone,
  type MemoriaConfig,
  type MemoriaConfigInput,
  type RegionConfig,
  regionSchema,
  SECRET_KEYS,
  TABLE_PATTERN,
  teamSpacesSchema,
} from "./config/schema.js";
export { isSecretKey, MASK, settingsView, withoutMaskedSecrets } from "./config/settings.js";
export {
  type ConfigCheck,
  loadStoredSettings,
  loadWithStoredOverrides,
  type SettingsError,
  type StoredConfig,
} from "./config/stored.js";
export {
  CATCH_UP_COUNTS,
  type CatchUpTotals,
  zeroCatchUpTotals,
} from "./contract/catch-up.js";
export {
  FAILOVER_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  PROBE_HEADER,
  REGION_HEADER,
  SYNC_TOKEN_HEADER,
  WAKE_SIGNATURE_HEADER,
} from "./contract/headers.js";
export { type LeaseView, type SyncHealth, syncHealthSchema } from "./contract/health.js";
export {
  formatSyncToken,
  hasApplied,
  parseSyncToken,
  readSyncToken,
  type SyncToken,
} from "./contract/sync-token.js";
export {
  openWakeHint,
  type SignedWakeHint,
  signWakeHint,
  WAKE_MAX_AGE_MS,
  type WakeHint,
  wakeHintSchema,
} from "./contract/wake.js";
export { presentedKey, sameDigest, sameSecret } from "./credential.js";
export {
  ACTION_ENTITY,
  CONTENT_ACTIONS,
  ENTITY_TYPES,
  type EntityType,
  NAME_PATTERN,
  nameSchema,
  type ParseResult,
  PRIVACY_MAX,
  PRIVACY_MIN,
  parseEvent,
  privacySchema,
  REGION_ID_PATTERN,
  regionIdSchema,
  SEAL_ALGORITHM,
  type SealedContent,
  SIGNATURE_PATTERN,
  SYNC_ACTIONS,
  type SyncAction,
  type SyncEvent,
  sealedSchema,
  syncEventSchema,
  type UnsignedSyncEvent,
} from "./event.js";
export {
  deterministicEventId,
  isEventId,
  newEventId,
  ULID_PATTERN,
  UUID_V7_PATTERN,
} from "./event-id.js";
export {
  EXPOSITION_CONTENT_TYPE,
  expositionResponse,
  familyOf,
  type MetricHelp,
  type MetricSample,
  type MetricType,
  renderExposition,
} from "./exposition.js";
export {
  ClockDriftError,
  compareHlc,
  formatHlc,
  type Hlc,
  HlcFormatError,
  HybridClock,
  type HybridClockOptions,
  isHlcString,
  parseHlc,
} from "./hlc.js";
export {
  fromLegacy,
  LEGACY_ORIGIN,
  type LegacySyncEvent,
  legacyEventSchema,
  legacyPrivacy,
} from "./legacy.js";
export {
  createLogger,
  LOG_LEVELS,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  silentLogger,
} from "./log.js";
export {
  type DecrementMark,
  decrementKey,
  type EventEffect,
  eventEffect,
  mergeDecrement,
  mergeRecord,
  type RecordData,
  type RecordState,
  type RecordStatus,
  STATUS_RANK,
} from "./merge.js";
export {
  FULL_BAND,
  inBand,
  type PrivacyBand,
} from "./privacy.js";
export {
  describeFieldErrors,
  type FieldError,
  fieldErrors,
  issuePath,
  misconfigured,
  PROBLEM_CONTENT_TYPE,
  type ProblemDetails,
  ProblemError,
  type ProblemInit,
  problem,
  problemDetailsSchema,
  problemResponse,
} from "./problem.js";
export {
  classifyInbound,
  type InboundContext,
  type InboundVerdict,
  isEcho,
  isOwnNamespace,
  type ServedSpaces,
  servesTeam,
  spaceOf,
  TEAM_PATTERN,
  teamNamespace,
  teamOfSpace,
} from "./routing.js";
export {
  base64url,
  createKeyring,
  fromBase64url,
  fromCanonicalBase64url,
  type Keyring,
  type KeyringInput,
  MIN_SECRET_LENGTH,
  signBytes,
  signEvent,
  signingInput,
  type VerifyResult,
  verifyBytes,
  verifyEvent,
} from "./signing.js";
export {
  EARLIEST_TIME_MS,
  isStorableText,
  isStorableTime,
  LATEST_TIME_MS,
  storableText,
  storableTime,
  TIME_RANGE,
  UNSTORABLE_TEXT,
  type UnstorableText,
  unstorableText,
} from "./storable.js";
export {
  createTransitKeyring,
  type TransitKeyring,
  type TransitKeyringInput,
} from "./transit/keyring.js";
export {
  generateTransitKey,
  importTransitPrivateKey,
  importTransitPublicKey,
  isTransitPrivateKeyText,
  isTransitPublicKeyText,
  TRANSIT_KEY_ID_PATTERN,
  TRANSIT_PUBLIC_KEY_PATTERN,
  type TransitKeyPair,
  type TransitPublicKey,
  transitPublicKeyOf,
} from "./transit/keys.js";
export {
  eligibleRecipients,
  type TransitPeer,
  type TransitPolicy,
  transitPolicyOf,
  transitWarnings,
} from "./transit/policy.js";
export { type OpenResult, openEvent, sealEvent, type TransitRecipient } from "./transit/seal.js";
export type {
  LeaderLease,
  Lease,
  SyncTransport,
  TransportBatch,
  TransportHealth,
  TransportMessage,
} from "./transport.js";
