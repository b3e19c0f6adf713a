/**
 * Counts per key over a sliding window, estimated from the current and the previous fixed
 * window: the previous count is weighted by how much of it still overlaps the sliding window.
 * This keeps two numbers per key instead of one timestamp per event; the estimate assumes
 * events were spread evenly over the previous window.
 */
export interface WindowCounter {
  /** The key's estimated count in the window ending at `now`. */
  count(key: string, windowMs: number, now: number): number;
  add(key: string, amount: number, windowMs: number, now: number): void;
}

interface Buckets {
  start: number;
  current: number;
  previous: number;
}

/** The in-process counter of the embedded mode. */
export class MemoryWindowCounter implements WindowCounter {
  readonly #buckets = new Map<string, Buckets>();
  #lastSweep = 0;

  count(key: string, windowMs: number, now: number): number {
    const buckets = this.#advance(key, windowMs, now);
    const overlap = 1 - (now - buckets.start) / windowMs;
    return buckets.current + buckets.previous * overlap;
  }

  add(key: string, amount: number, windowMs: number, now: number): void {
    this.#advance(key, windowMs, now).current += amount;
    this.#sweep(windowMs, now);
  }

  #advance(key: string, windowMs: number, now: number): Buckets {
    const start = Math.floor(now / windowMs) * windowMs;
    let buckets = this.#buckets.get(key);
    if (buckets === undefined) {
      buckets = { start, current: 0, previous: 0 };
      this.#buckets.set(key, buckets);
    } else if (buckets.start !== start) {
      const adjacent = buckets.start === start - windowMs;
      buckets.previous = adjacent ? buckets.current : 0;
      buckets.current = 0;
      buckets.start = start;
    }
    return buckets;
  }

  /** Drops keys idle for two windows, at most once a window, so memory follows active keys. */
  #sweep(windowMs: number, now: number): void {
    if (now - this.#lastSweep < windowMs) return;
    this.#lastSweep = now;
    for (const [key, buckets] of this.#buckets) {
      if (buckets.start < now - 2 * windowMs) this.#buckets.delete(key);
    }
  }
}
