export { type CatchUpResult, catchUp, parseSince } from "./catch-up.js";
export { callGateway, GatewayError } from "./client.js";
export {
  type DeadLetterInfo,
  discardDeadLetter,
  formatDeadLetter,
  listDeadLetters,
  retryDeadLetter,
} from "./dead-letters.js";
export { type SmokeCheck, smoke } from "./smoke.js";
