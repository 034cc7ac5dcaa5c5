import type { operations } from "./api.js";
import { type MemoriaClient, ok } from "./client.js";

export type CatchUpBody = operations["catchUp"]["requestBody"]["content"]["application/json"];
export type CatchUpPage = operations["catchUp"]["responses"]["200"]["content"]["application/json"];

/** One page of `POST /sync/catch-up` (the CLI's `sync catch-up` pages with `after: next` until `done`). */
export function catchUpPage(client: MemoriaClient, body: CatchUpBody): Promise<CatchUpPage> {
  return ok(client.POST("/sync/catch-up", { body }));
}
