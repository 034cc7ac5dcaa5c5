export {
  type CatchUpOptions,
  type CatchUpPage,
  type CatchUpRun,
  type CatchUpTotals,
  parseSince,
  runCatchUp,
  summarize,
} from "./catch-up.js";
export { type CatchUpProgress, progressBar, progressLine } from "./catch-up-progress.js";
export {
  type DeadLetterInfo,
  discardDeadLetter,
  formatDeadLetter,
  listDeadLetters,
  retryDeadLetter,
} from "./dead-letters.js";
export { type SmokeCheck, smoke } from "./smoke.js";
