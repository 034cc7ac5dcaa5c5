import type { MetricSample } from "@memoria/sync-core";
import { type Outcome, observation } from "./metrics.js";

/**
 * One proxied request's measurements: proxy.ts says what happened (which region answered,
 * after which failures, how long the regions took), the wrapper in metered.ts closes it with
 * the final status. Added latency is the request's time in the router less the regions'
 * time to answer (in workerd the clock moves only across I/O, so it is the router's
 * waiting: its health-object calls, reading the client's body).
 */
export class Meter {
  private readonly startedAt = Date.now();
  private upstreamMs = 0;
  private answered: { region: string; failedOver: boolean } | undefined;
  private refusedBy: string | undefined;
  private readonly failovers: Array<{ from: string; to: string }> = [];

  /** A region took `ms` to answer (or to fail). */
  upstream(ms: number): void {
    this.upstreamMs += ms;
  }

  served(region: string, failedOver: boolean): void {
    this.answered = { region, failedOver };
  }

  failover(from: string, to: string): void {
    this.failovers.push({ from, to });
  }

  /** A write that may go nowhere else, and its region did not answer. */
  refused(region: string): void {
    this.refusedBy = region;
  }

  /** The counts for this request, once its status is known (`thrown`: the router answered itself). */
  close(status: number, thrown: boolean): MetricSample[] {
    const { region, outcome } = this.outcome(status, thrown);
    const seconds = Math.max(0, Date.now() - this.startedAt - this.upstreamMs) / 1000;
    return [
      {
        name: "router_requests_total",
        labels: { region, outcome, code: `${Math.floor(status / 100)}xx` },
        value: 1,
      },
      ...this.failovers.map((f) => ({
        name: "router_failovers_total",
        labels: { from: f.from, to: f.to },
        value: 1,
      })),
      ...observation("router_added_latency_seconds", seconds),
    ];
  }

  private outcome(status: number, thrown: boolean): { region: string; outcome: Outcome } {
    if (!thrown && this.answered)
      return {
        region: this.answered.region,
        outcome: this.answered.failedOver ? "failed_over" : "served",
      };
    if (this.refusedBy) return { region: this.refusedBy, outcome: "refused" };
    if (status === 503) return { region: "none", outcome: "unavailable" };
    return { region: "none", outcome: status < 500 ? "rejected" : "error" };
  }
}
