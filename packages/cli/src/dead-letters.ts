import { callGateway } from "./client.js";

/** `memoria sync dead-letters list|retry <id>|discard <id>`: the admin dead-letter routes. */

export interface DeadLetterInfo {
  event_id: string;
  origin: string;
  action: string;
  entity_id: string;
  hlc: string;
  error: { message: string; code: string | null };
  attempts: number;
  first_seen: string;
  last_attempt_at: string;
  redacted?: string;
}

const route = (gateway: string, path = "") =>
  new URL(`/admin/dead-letters${path}`, gateway).toString();

export async function listDeadLetters(
  gateway: string,
  apiKey: string,
): Promise<{ dead_letters: DeadLetterInfo[]; count: number }> {
  return callGateway(route(gateway, "?limit=500"), { apiKey });
}

/** Applies the event now (normal merge: a newer state stays); a gateway 409 when it still fails. */
export async function retryDeadLetter(
  gateway: string,
  apiKey: string,
  id: string,
): Promise<{ event_id: string; status: "applied"; outcome: string }> {
  return callGateway(route(gateway, `/${encodeURIComponent(id)}/retry`), {
    method: "POST",
    apiKey,
  });
}

export async function discardDeadLetter(
  gateway: string,
  apiKey: string,
  id: string,
): Promise<{ event_id: string; status: "discarded" }> {
  return callGateway(route(gateway, `/${encodeURIComponent(id)}`), { method: "DELETE", apiKey });
}

/** One line per dead letter: what it is, since when, how often it failed, and why. */
export function formatDeadLetter(letter: DeadLetterInfo): string {
  const code = letter.error.code ? ` [${letter.error.code}]` : "";
  const redacted = letter.redacted ? ` (content withheld: ${letter.redacted})` : "";
  return `${letter.event_id}  ${letter.action} ${letter.entity_id} from ${letter.origin}  first seen ${letter.first_seen}  attempts ${letter.attempts}${redacted}  error${code}: ${letter.error.message}`;
}

/** Runs one verb; returns the exit code (0 done, 2 usage). */
export async function deadLettersCommand(
  gateway: string,
  apiKey: string,
  verb: string,
  args: readonly string[],
): Promise<number> {
  if (verb === "list" && args.length === 0) {
    const { dead_letters, count } = await listDeadLetters(gateway, apiKey);
    for (const letter of dead_letters) console.log(formatDeadLetter(letter));
    console.log(`${count} dead letter${count === 1 ? "" : "s"} waiting`);
    return 0;
  }
  const id = args[0];
  if (verb === "retry" && id !== undefined && args.length === 1) {
    const result = await retryDeadLetter(gateway, apiKey, id);
    console.log(`${result.event_id}: applied (${result.outcome})`);
    return 0;
  }
  if (verb === "discard" && id !== undefined && args.length === 1) {
    const result = await discardDeadLetter(gateway, apiKey, id);
    console.log(`${result.event_id}: discarded`);
    return 0;
  }
  return 2;
}
