import type { MiddlewareHandler } from "hono";

/**
 * `Server-Timing` on every answer: `setup` (services: config, settings version, store
 * connections) and `app` (the route), in milliseconds as the isolate's clock saw them —
 * in workerd the clock moves on I/O, so this is time spent waiting on the store, the
 * transport and peers, which is what set-up costs. Browsers' dev tools and the bench read it.
 */
export class RequestTiming {
  readonly #started = Date.now();
  #setupMs: number | undefined;

  setupDone(): void {
    this.#setupMs = Date.now() - this.#started;
  }

  header(): string {
    const total = Date.now() - this.#started;
    const setup = this.#setupMs ?? total;
    return `setup;dur=${setup}, app;dur=${total - setup}, total;dur=${total}`;
  }
}

export function serverTiming(): MiddlewareHandler<{ Variables: { timing: RequestTiming } }> {
  return async function timeRequest(c, next) {
    const timing = new RequestTiming();
    c.set("timing", timing);
    await next();
    c.res.headers.set("server-timing", timing.header());
  };
}
