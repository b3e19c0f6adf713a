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
  /**
   * Whole seconds from `now` until the key's estimate plus `amount` fits within `limit`,
   * assuming nothing more is added; at least 1. Infinity when `amount` alone exceeds `limit`.
   */
  secondsUntilFits(key: string, amount: number, limit: number, windowMs: number,
    now: number): number;
}

/** One count that a request adds to, with the limit the count must stay within. */
export interface WindowCharge {
  key: string;
  amount: number;
  limit: number;
  windowMs: number;
}

/**
 * The outcome of `admit`. When a charge did not fit, `waits` contains, per charge in request
 * order, the `secondsUntilFits` of each charge that did not fit and 0 for the others.
 */
export type WindowAdmission = { ok: true } | { ok: false; waits: number[] };

/**
 * A window counter that checks and adds in one step, for counters shared by gateway nodes
 * over the network: `admit` checks every charge against its limit and, only when all fit,
 * adds every amount. Two nodes can then never both pass a check that only one of them fits.
 */
export interface AtomicWindowCounter {
  admit(charges: readonly WindowCharge[], now: number): WindowAdmission | Promise<WindowAdmission>;
  /** The key's estimated count in the window ending at `now`. */
  count(key: string, windowMs: number, now: number): number | Promise<number>;
}

/** A key's two fixed windows: `start` is the current window's start, in epoch ms. */
export interface WindowBuckets {
  start: number;
  current: number;
  previous: number;
}

/**
 * Returns the estimate at `at` of buckets read at or before `at`, with no further adds. Every
 * counter uses this one formula, so that a computed wait and a later count agree exactly.
 */
export function estimateAt(buckets: WindowBuckets, windowMs: number, at: number): number {
  const start = Math.floor(at / windowMs) * windowMs;
  if (start === buckets.start) {
    return buckets.current + buckets.previous * (1 - (at - start) / windowMs);
  }
  // The current window has ended, so its count becomes the previous one, or drops out
  // entirely when a whole window has passed since.
  if (start !== buckets.start + windowMs) return 0;
  return buckets.current * (1 - (at - start) / windowMs);
}

/**
 * Computes `secondsUntilFits` from a key's buckets as read at `now`. While the current window
 * alone fits, the wait is for the previous window's weight to decay. Otherwise it runs to the
 * window's end, where the current count becomes the previous one, plus the part of the next
 * window its weight needs to drop far enough.
 */
export function secondsUntilFits(
  buckets: WindowBuckets,
  amount: number,
  limit: number,
  windowMs: number,
  now: number,
): number {
  if (amount > limit) return Infinity;

  const room = limit - amount;
  let fitsAt: number;
  if (buckets.current <= room) {
    const decay = buckets.previous === 0 ? 0 : 1 - (room - buckets.current) / buckets.previous;
    fitsAt = buckets.start + Math.max(0, decay) * windowMs;
  } else {
    fitsAt = buckets.start + windowMs + (1 - room / buckets.current) * windowMs;
  }

  let seconds = Math.max(1, Math.ceil((fitsAt - now) / 1000));
  // Floating-point rounding can leave the estimate a hair over the limit at an exact boundary.
  // One more second then fits, because the estimate only falls while nothing is added.
  if (estimateAt(buckets, windowMs, now + seconds * 1000) + amount > limit) seconds += 1;
  return seconds;
}

/** The in-process counter of the embedded mode. */
export class MemoryWindowCounter implements WindowCounter, AtomicWindowCounter {
  readonly #buckets = new Map<string, WindowBuckets>();
  #lastSweep = 0;

  /** Checks and adds synchronously, which is atomic within one process. */
  admit(charges: readonly WindowCharge[], now: number): WindowAdmission {
    const waits = charges.map((charge) => {
      const { key, amount, limit, windowMs } = charge;
      if (this.count(key, windowMs, now) + amount <= limit) return 0;
      return this.secondsUntilFits(key, amount, limit, windowMs, now);
    });
    if (waits.some((wait) => wait > 0)) return { ok: false, waits };

    for (const charge of charges) this.add(charge.key, charge.amount, charge.windowMs, now);
    return { ok: true };
  }

  count(key: string, windowMs: number, now: number): number {
    return estimateAt(this.#advance(key, windowMs, now), windowMs, now);
  }

  add(key: string, amount: number, windowMs: number, now: number): void {
    this.#advance(key, windowMs, now).current += amount;
    this.#sweep(windowMs, now);
  }

  secondsUntilFits(key: string, amount: number, limit: number, windowMs: number,
    now: number): number {
    return secondsUntilFits(this.#advance(key, windowMs, now), amount, limit, windowMs, now);
  }

  #advance(key: string, windowMs: number, now: number): WindowBuckets {
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
