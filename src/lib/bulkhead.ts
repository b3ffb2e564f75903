/**
 * At most `limit` operations run at once; later ones wait their turn, first come first served.
 *
 * For provider calls whose deadline starts when the call starts: under a burst, the calls beyond the limit wait
 * here before their deadline runs, instead of all starting at once and then waiting for the isolate's CPU with
 * their deadlines running, which times out calls the provider had answered in time. It is module state, so it
 * bounds the calls of one isolate (the objects an isolate hosts share it), not of the whole deployment.
 */
export class Bulkhead {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`bulkhead limit must be a positive integer, got ${limit}`);
  }

  /** How many operations run and wait now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    // A finishing operation hands its slot straight to the first waiter, so `running` never drops below the queue.
    else await new Promise<void>((start) => this.waiting.push(start));
    try {
      return await operation();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
