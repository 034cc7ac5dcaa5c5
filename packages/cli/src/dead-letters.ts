import { createMemoriaClient, type DeadLetter, ok } from "@memoria/client";

/** `memoria sync dead-letters list|retry <id>|discard <id>`: the admin dead-letter routes. */

export type DeadLetterInfo = DeadLetter;

export async function listDeadLetters(
  gateway: string,
  apiKey: string,
): Promise<{ dead_letters: DeadLetterInfo[]; count: number }> {
  const client = createMemoriaClient({ baseUrl: gateway, apiKey });
  return ok(client.GET("/admin/dead-letters", { params: { query: { limit: 500 } } }));
}

/** Applies the event now (normal merge: a newer state stays); a gateway 409 when it still fails. */
export async function retryDeadLetter(
  gateway: string,
  apiKey: string,
  id: string,
): Promise<{ event_id: string; status: "applied"; outcome: string }> {
  const client = createMemoriaClient({ baseUrl: gateway, apiKey });
  return ok(client.POST("/admin/dead-letters/{id}/retry", { params: { path: { id } } }));
}

export async function discardDeadLetter(
  gateway: string,
  apiKey: string,
  id: string,
): Promise<{ event_id: string; status: "discarded" }> {
  const client = createMemoriaClient({ baseUrl: gateway, apiKey });
  return ok(client.DELETE("/admin/dead-letters/{id}", { params: { path: { id } } }));
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
