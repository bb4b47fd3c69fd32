/**
 * The loop of a background worker that keeps its state in the database (mail, webhooks): rounds
 * run one at a time; once started, a round runs now and then every `intervalMs`, at once again
 * while the last round says there is more (or someone woke it meanwhile). A failed round is
 * reported and the next tick tries again. Stopping waits for the round in flight.
 */
export interface PollingLoopOptions<Summary> {
  /** One round of work. */
  round: () => Promise<Summary>;
  /** Whether to run the next round at once instead of after the interval. */
  more: (summary: Summary) => boolean;
  onError: (error: unknown) => void;
  /** For the error when starting a stopped loop. */
  name: string;
}

export class PollingLoop<Summary> {
  readonly #options: PollingLoopOptions<Summary>;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #intervalMs: number | null = null;
  #wakeDuringRound = false;
  #stopping = false;

  constructor(options: PollingLoopOptions<Summary>) {
    this.#options = options;
  }

  /** True once `stop` was called: a round in flight should wind down. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Runs one round after any round in flight. */
  runOnce(): Promise<Summary> {
    const round = this.#chain.then(() => this.#options.round());
    this.#chain = round.catch(() => undefined);
    return round;
  }

  start(intervalMs: number): void {
    if (this.#stopping) throw new Error(`the ${this.#options.name} was stopped`);
    if (this.#intervalMs !== null) return;
    this.#intervalMs = intervalMs;
    this.#schedule(0);
  }

  /** Runs a round soon instead of at the next tick (only once started). */
  wake(): void {
    if (this.#intervalMs === null) return;
    if (this.#timer === null) {
      this.#wakeDuringRound = true;
    } else {
      clearTimeout(this.#timer);
      this.#schedule(0);
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#intervalMs = null;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#chain;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    // The HTTP server keeps the process alive; a pending round alone should not.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    this.#timer = null;
    let more = false;
    try {
      more = this.#options.more(await this.runOnce());
    } catch (error) {
      // E.g. the database is briefly unreachable: the next tick tries again.
      this.#options.onError(error);
    }
    if (this.#intervalMs === null) return;
    const again = more || this.#wakeDuringRound;
    this.#wakeDuringRound = false;
    this.#schedule(again ? 0 : this.#intervalMs);
  }
}
