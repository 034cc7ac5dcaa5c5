export {
  type LocalEndpoints,
  type RegisteredBackend,
  syncBackends,
} from "./registry.js";
export {
  backendNames,
  connectSync,
  isSyncBackend,
  validateSyncConfig,
} from "./sync.js";
