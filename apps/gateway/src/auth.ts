/** Credentials on every route: see `auth/policy.ts` for what each route needs. */
export { sameSecret } from "./auth/credential.js";
export { authenticate, requireScope } from "./auth/middleware.js";
export type { Principal } from "./auth/principal.js";
export { scopeToTeams } from "./auth/teams.js";
