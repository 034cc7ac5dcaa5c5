/** Header carrying the HLC of a write, for read-your-writes through the router. */
export const SYNC_TOKEN_HEADER = "Memoria-Sync-Token";
