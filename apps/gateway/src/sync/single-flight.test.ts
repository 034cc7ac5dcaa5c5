import { describe, expect, it } from "vitest";
import { SingleFlight } from "./single-flight.js";

/** A job whose runs the test releases one at a time. */
function gatedJob(more: () => boolean = () => false) {
  const releases: Array<() => void> = [];
  let runs = 0;
  const flight = new SingleFlight(async () => {
    runs++;
    await new Promise<void>((resolve) => releases.push(resolve));
    return { more: more() };
  });
  const releaseNext = async () => {
    while (releases.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    releases.shift()?.();
  };
  return { flight, releaseNext, runs: () => runs };
}

describe("SingleFlight", () => {
  it("runs one job at a time; calls during a run share one more run after it", async () => {
    const { flight, releaseNext, runs } = gatedJob();
    const first = flight.run();
    const during = [flight.run(), flight.run(), flight.run()];
    expect(runs()).toBe(1);
    await releaseNext();
    await releaseNext();
    await Promise.all([first, ...during]);
    // The three calls during the first run asked for one more run, not three.
    expect(runs()).toBe(2);
  });

  it("a call after a run finished starts a run of its own", async () => {
    const { flight, releaseNext, runs } = gatedJob();
    const first = flight.run();
    await releaseNext();
    await first;
    const second = flight.run();
    await releaseNext();
    await second;
    expect(runs()).toBe(2);
  });

  it("a run that reports more work is followed by another, up to a bound", async () => {
    const { flight, releaseNext, runs } = gatedJob(() => true);
    const done = flight.run();
    for (let i = 0; i < 20; i++) await releaseNext();
    await done;
    expect(runs()).toBe(20);
  });
});
