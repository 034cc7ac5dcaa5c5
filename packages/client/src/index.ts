export type { components, operations, paths } from "./api.js";
export {
  type ApiKey,
  type ClientOptions,
  createMemoriaClient,
  type DeadLetter,
  GatewayProblem,
  type MemoriaClient,
  type Memory,
  ok,
  type Problem,
  type SyncHealth,
} from "./client.js";
export { type CatchUpBody, type CatchUpPage, catchUpPage } from "./operator.js";
