import { createStore } from "@memoria/store";
import { createKeyring, createLogger, HybridClock, type PrivacyBand } from "@memoria/sync-core";
import { afterAll, expect, inject, it } from "vitest";
import { KEYS, redisTransports, storePool, uid } from "./support.js";

/**
 * The relay's DEBUG lines, as the playbook's drills read them: one per published event,
 * with its id, action, namespace, origin, privacy y and the band's decision. At INFO the
 * relay writes nothing.
 */

const pool = storePool();
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await pool.query(`drop schema if exists "${schema}" cascade`);
  await pool.end();
});

async function writer(level: "DEBUG" | "INFO", band: PrivacyBand) {
  const id = uid();
  const lines: Array<Record<string, unknown>> = [];
  const store = createStore({
    pool,
    schema: `rl_${id}`,
    region: "region-a",
    namespace: `rl-${id}`,
    band,
    keyring: await createKeyring(KEYS),
    clock: new HybridClock({ node: "region-a" }),
    log: createLogger({ level, region: "region-a", sink: (line) => lines.push(JSON.parse(line)) }),
  });
  schemas.push(`rl_${id}`);
  await store.migrate();
  const transport = redisTransports(
    `it:${id}:relay-log`,
    inject("localServices").upstash,
  )("region-a");
  return { store, transport, lines, namespace: `rl-${id}` };
}

it("logs each published event with the decision that produced it", async () => {
  const { store, transport, lines, namespace } = await writer("DEBUG", { floor: -13, ceiling: 12 });
  const shared = await store.createMemory({ text: "public", y: 5 });
  const secret = await store.createMemory({ text: "never leaves", y: -14 });
  const leaving = await store.updateMemory(shared.memory.id, { y: 14 });
  const { memory: gone } = await store.createMemory({ text: "short-lived", y: 3 });
  const deleted = await store.deleteMemory(gone.id);
  await store.runDecrement("2026-11-21", 1);
  expect((await store.relayOutbox(transport)).published).toBe(6);
  const published = lines.filter((line) => line.event === "sync.event.published");
  const common = { level: "DEBUG", region: "region-a", namespace, origin: "region-a" };
  expect(published).toEqual([
    expect.objectContaining({
      ...common,
      event_id: shared.events[0],
      action: "memory.created",
      privacy: 5,
      decision: "replicate",
    }),
    // Its content stays here; peers get a redaction (id and clock), in case one of them
    // holds an in-band copy under the same id.
    expect.objectContaining({
      event_id: secret.events[0],
      action: "memory.redacted",
      privacy: -14,
      decision: "redact",
    }),
    expect.objectContaining({
      event_id: leaving.events[0],
      action: "memory.redacted",
      privacy: 14,
      decision: "redact",
    }),
    expect.objectContaining({ action: "memory.created", privacy: 3, decision: "replicate" }),
    expect.objectContaining({
      event_id: deleted.events[0],
      action: "memory.deleted",
      privacy: null,
      decision: "replicate",
    }),
    expect.objectContaining({ action: "schedule.decrement", decision: "content-free" }),
  ]);
  expect(JSON.stringify(lines)).not.toContain("never leaves");
});

it("writes nothing at INFO", async () => {
  const { store, transport, lines } = await writer("INFO", { floor: -15, ceiling: 15 });
  await store.createMemory({ text: "public", y: 5 });
  expect((await store.relayOutbox(transport)).published).toBe(1);
  expect(lines).toEqual([]);
});
