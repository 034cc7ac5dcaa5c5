import { ProblemError } from "@memoria/sync-core";
import type { MiddlewareHandler } from "hono";
import type { HonoEnv } from "./app.js";

/**
 * `X-API-Key` for `/settings` and `/admin/*`. Compares digests, so the time taken says
 * nothing about how much of the key matched.
 */
export function requireApiKey(): MiddlewareHandler<HonoEnv> {
  return async function apiKey(c, next) {
    const expected = c.get("services").config.api_key;
    if (expected === undefined) {
      throw new ProblemError(401, {
        detail: "this region has no api_key configured; admin and settings endpoints are closed",
      });
    }
    const given = c.req.header("x-api-key");
    if (given === undefined || !(await sameSecret(given, expected))) {
      throw new ProblemError(
        401,
        { detail: "missing or wrong X-API-Key" },
        { "www-authenticate": 'ApiKey header="X-API-Key"' },
      );
    }
    await next();
  };
}

export async function sameSecret(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [x, y] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const left = new Uint8Array(x);
  const right = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < left.length; i++) diff |= (left[i] as number) ^ (right[i] as number);
  return diff === 0;
}
