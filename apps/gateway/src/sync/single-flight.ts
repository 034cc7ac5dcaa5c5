/** Runs of one job at most this many times back to back; the alarm picks up after. */
const MAX_RUNS_IN_A_ROW = 20;

/**
 * One run of a job at a time. A call while it runs asks for one more run after it (calls
 * in the meantime share that run) and resolves when that one is done; a run that reports
 * more work left is followed by another, up to a bound.
 */
export class SingleFlight {
  #running: Promise<void> | undefined;
  #again = false;

  constructor(private readonly job: () => Promise<{ more: boolean }>) {}

  run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #loop(): Promise<void> {
    for (let i = 0; i < MAX_RUNS_IN_A_ROW; i++) {
      this.#again = false;
      const { more } = await this.job();
      if (!this.#again && !more) return;
    }
  }
}
