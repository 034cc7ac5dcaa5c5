import { API_KEY } from "./deployment.js";
import type { Answered, Ledger } from "./ledger.js";
import type { PlannedOp, RegionName } from "./plan.js";
import type { World } from "./world.js";

/**
 * One client of the chaos run, as a real one behaves: it sends its planned operations in
 * order, retries a 503 or a dropped connection with backoff (bounded), and notes every
 * acknowledged write with what the region answered.
 */

const MAX_ATTEMPTS = 12;
const other = (region: RegionName): RegionName => (region === "a" ? "b" : "a");

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** A request with retries; `dropped` is true when some attempt lost its connection (it may have been applied). */
async function send(
  world: World,
  region: RegionName,
  request: { method: string; path: string; json?: unknown; key?: string },
): Promise<{ reply: Reply | undefined; dropped: boolean }> {
  let dropped = false;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(Math.min(80 * 2 ** attempt, 800));
    const headers: Record<string, string> = { "x-api-key": API_KEY };
    if (request.json !== undefined) headers["content-type"] = "application/json";
    if (request.key !== undefined) headers["idempotency-key"] = request.key;
    let response: Response;
    try {
      response = await fetch(`${world.url(region)}${request.path}`, {
        method: request.method,
        headers,
        ...(request.json === undefined ? {} : { body: JSON.stringify(request.json) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      dropped = true;
      continue;
    }
    // A body cut off mid-way (a restart between the head and the body) is a dropped
    // connection too: the write may have been applied, its answer is lost.
    const text = await response.text().catch(() => undefined);
    if (text === undefined) {
      dropped = true;
      continue;
    }
    if (response.status === 503) continue;
    let body: Record<string, unknown> = {};
    try {
      body = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      body = { raw: text.slice(0, 200) };
    }
    return { reply: { status: response.status, body }, dropped };
  }
  return { reply: undefined, dropped };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function answered(body: Record<string, unknown>): Answered | undefined {
  const memory = body.memory as Record<string, unknown> | undefined;
  if (!memory) return undefined;
  return {
    text: String(memory.text),
    x: Number(memory.x),
    y: Number(memory.y),
    z: Number(memory.z),
    anchor: String(memory.anchor),
    hlc: String(memory.hlc),
    ...(typeof memory.x_hlc === "string" ? { x_hlc: memory.x_hlc } : {}),
  };
}

export async function runClient(
  world: World,
  ledger: Ledger,
  client: number,
  ops: PlannedOp[],
  deadline: number,
): Promise<void> {
  for (const [n, op] of ops.entries()) {
    if (Date.now() > deadline) return;
    ledger.operations++;
    await runOp(world, ledger, `c${client}#${n}`, op).finally(() => ledger.completed++);
  }
}

/** One planned operation, as `name`: sent with retries, its outcome noted in `ledger`. */
export async function runOp(
  world: World,
  ledger: Ledger,
  name: string,
  op: PlannedOp,
): Promise<void> {
  const id = op.kind === "create" ? undefined : ledger.pick(op.pick);
  if (op.kind === "create" || id === undefined) return create(world, ledger, name, op);
  if (op.kind === "read") {
    const { reply } = await send(world, op.region, { method: "GET", path: `/memory/${id}` });
    settle(ledger, name, { method: "GET", path: `/memory/${id}` }, reply, "read");
    return;
  }
  const path = `/memory/${id}`;
  const json =
    op.kind === "text"
      ? { text: `${name} text` }
      : op.kind === "x"
        ? { x: op.x }
        : op.kind === "y"
          ? { y: op.y }
          : undefined;
  const method = op.kind === "delete" ? "DELETE" : "PUT";
  const { reply, dropped } = await send(world, op.region, {
    method,
    path,
    ...(json ? { json } : {}),
  });
  if (dropped) ledger.tainted.add(id);
  if (settle(ledger, name, { method, path }, reply, "write") !== "ok" || !reply) return;
  const memory = answered(reply.body);
  ledger.ack({
    op: name,
    kind: op.kind,
    region: op.region,
    id,
    hlc: String(reply.body.sync_token),
    ...(op.kind === "x" ? { setsX: op.x } : {}),
    ...(memory ? { memory } : {}),
  });
}

async function create(world: World, ledger: Ledger, name: string, op: PlannedOp): Promise<void> {
  const text = `${name} created`;
  const json = { text, anchor: name, y: op.y, x: op.x };
  const key = op.keyed ? `chaos-${name}-${world.id}` : undefined;
  const targets = op.replayElsewhere ? [op.region, other(op.region)] : [op.region];
  for (const region of targets) {
    const request = { method: "POST", path: "/memory", json, ...(key ? { key } : {}) };
    const { reply, dropped } = await send(world, region, request);
    const memory = reply ? answered(reply.body) : undefined;
    // A dropped attempt may have stored a record: under the same id when keyed, else a new one.
    if (dropped) {
      if (key !== undefined && memory) ledger.tainted.add(String(reply?.body.memory_id));
      else ledger.orphanTexts.add(text);
    }
    if (settle(ledger, name, request, reply, "write") !== "ok" || !reply || !memory) continue;
    const id = String(reply.body.memory_id);
    // A 200 is a replay: the record already existed there, nothing was written.
    if (reply.status === 200) {
      if (!ledger.known.includes(id)) ledger.known.push(id);
      continue;
    }
    ledger.ack({
      op: name,
      kind: "create",
      region,
      id,
      hlc: String(reply.body.sync_token),
      setsX: op.x,
      memory,
    });
  }
}

/** Counts the outcome; "ok" for a 2xx. A 404/409/422 is a refusal the race explains. */
function settle(
  ledger: Ledger,
  op: string,
  request: { method: string; path: string },
  reply: Reply | undefined,
  what: "read" | "write",
): "ok" | "refused" | "failed" {
  if (!reply) {
    ledger.count(`${what}-unavailable`);
    return "failed";
  }
  const { status } = reply;
  if (status >= 200 && status < 300) {
    ledger.count(what === "read" ? "read-200" : "ack");
    return "ok";
  }
  if (status === 404 || status === 409 || status === 422) {
    ledger.count(`${what}-${status}`);
    return "refused";
  }
  ledger.count(`${what}-${status}`);
  ledger.unexpected.push({
    op,
    ...request,
    status,
    detail: String(reply.body.detail ?? reply.body.raw ?? ""),
  });
  return "failed";
}
