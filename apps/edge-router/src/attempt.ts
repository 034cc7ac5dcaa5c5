import type { RegionLink } from "./config.js";
import { type OutboundRequest, upstreamUrl } from "./forward.js";
import { type HeldBody, heldBody } from "./held-body.js";

export type Attempt =
  /** The region answered (any status: what it means for the region is verdict.ts's call). */
  | { kind: "answer"; response: Response; resent: boolean }
  | {
      kind: "unreachable";
      reason: string;
      resent: boolean;
      /** Proven: the region never received the whole request, so it was not applied. */
      undelivered: boolean;
    };

type Try =
  | { kind: "answer"; response: Response }
  | { kind: "timeout" }
  | { kind: "lost"; message: string; undelivered: boolean };

/**
 * One region's turn at a request. A connection that fails before any answer is usually
 * not the region failing: the runtime reused a pooled connection the region had already
 * closed (a gateway closes one after answering without reading the body: 401, 404, 415).
 * Such a request is sent once more, on another connection (workerd drops the failed one
 * from its pool; its fetch offers no other control over reuse: `Connection: close` is
 * stripped), when sending it twice is safe: the request is replayable (plan.ts) or the
 * region provably never had all of it (held-body.ts). Only if that fails too does the
 * region count as unreachable. A timeout is never resent: the region may still be working.
 */
export async function attempt(
  link: RegionLink,
  request: OutboundRequest,
  timeoutMs: number,
  replayable: boolean,
): Promise<Attempt> {
  const deadline = Date.now() + timeoutMs;
  const first = await sendOnce(link, request, timeoutMs, replayable);
  const remaining = deadline - Date.now();
  const resend = first.kind === "lost" && (replayable || first.undelivered) && remaining > 0;
  const last = resend ? await sendOnce(link, request, remaining, replayable) : first;
  if (last.kind === "answer") return { kind: "answer", response: last.response, resent: resend };
  return {
    kind: "unreachable",
    reason:
      last.kind === "timeout"
        ? `no answer within ${timeoutMs} ms`
        : `connection failed${resend ? " twice" : ""}: ${last.message}`,
    resent: resend,
    undelivered: last.kind === "lost" && last.undelivered,
  };
}

async function sendOnce(
  link: RegionLink,
  request: OutboundRequest,
  timeoutMs: number,
  replayable: boolean,
): Promise<Try> {
  // A replayable request needs no proof of delivery; an empty body can give none.
  const held: HeldBody | null =
    !replayable && request.body !== null && request.body.byteLength > 0
      ? heldBody(request.body)
      : null;
  try {
    const response = await link.fetch(
      new Request(upstreamUrl(link.base, request.target), {
        method: request.method,
        headers: request.headers,
        body: held ? held.stream : request.body,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      }),
    );
    return { kind: "answer", response };
  } catch (error) {
    held?.release();
    if ((error as Error).name === "TimeoutError") return { kind: "timeout" };
    return {
      kind: "lost",
      message: (error as Error).message,
      undelivered: held !== null && !held.lastByteTaken(),
    };
  }
}
