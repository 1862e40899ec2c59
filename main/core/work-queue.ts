/** Measures photos per second since it was made, and the time left at that rate. */
export class RateMeter {
  private readonly startedAt = Date.now();
  private count = 0;

  tick(): void {
    this.count++;
  }

  get rate(): number {
    const seconds = (Date.now() - this.startedAt) / 1000;
    return seconds > 0 ? this.count / seconds : 0;
  }

  etaSeconds(remaining: number): number | null {
    const rate = this.rate;
    return rate > 0 ? remaining / rate : null;
  }
}

export interface WorkQueueOptions<T, R> {
  /** Items in flight at once: overlaps reading and decoding with inference. */
  concurrency: number;
  signal?: AbortSignal;
  work: (item: T) => Promise<R>;
  /** Called after each item, with how many are still queued or in flight; 'stop' takes no more items. */
  after: (item: T, result: R, remaining: number) => void | 'stop';
}

/** Runs `work` over `items` with bounded concurrency, until done, aborted or stopped. */
export async function runWorkQueue<T, R>(items: readonly T[], options: WorkQueueOptions<T, R>): Promise<void> {
  const queue = [...items];
  let inFlight = 0;
  let stopped = false;
  const worker = async () => {
    while (queue.length > 0 && !options.signal?.aborted && !stopped) {
      const item = queue.shift()!;
      inFlight++;
      let result: R;
      try {
        result = await options.work(item);
      } catch (error) {
        stopped = true; // the other workers take no new items once one has failed
        throw error;
      }
      inFlight--;
      if (options.after(item, result, queue.length + inFlight) === 'stop') stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
}
