/** Writes posted to a region at a steady rate, each with the client's own send time. */

export interface PacedWrites {
  /** Memory ids, in send order. */
  ids: string[];
  /** When each request was sent, ms since the epoch (sub-ms), same clock as Postgres' now(). */
  sentAt: Map<string, number>;
  /** Each request's round trip, ms. */
  requestMs: number[];
}

/** Now as ms since the epoch, with `performance.now()`'s resolution. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** `count` POST /memory to `url`, one every 1/`rate` s (never two at once), each checked for 201. */
export async function pacedWrites(
  url: string,
  apiKey: string,
  count: number,
  rate: number,
  label = "bench",
): Promise<PacedWrites> {
  const writes: PacedWrites = { ids: [], sentAt: new Map(), requestMs: [] };
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sentAt = epochNow();
    const t0 = performance.now();
    const response = await fetch(`${url}/memory`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey },
      body: JSON.stringify({ text: `${label} ${i}`, y: 5 }),
    });
    if (response.status !== 201)
      throw new Error(`write ${i}: ${response.status} ${await response.text()}`);
    const { memory } = (await response.json()) as { memory: { id: string } };
    writes.requestMs.push(performance.now() - t0);
    writes.ids.push(memory.id);
    writes.sentAt.set(memory.id, sentAt);
  }
  return writes;
}
