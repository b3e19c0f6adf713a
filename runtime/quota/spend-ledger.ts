import type { QuotaAxis, QuotaWindow } from "./config-schema.ts";
import type { SpendBucket } from "./over-limit.ts";
import type { QuotaAmounts, QuotaCounter } from "./quota-store.ts";
import { oldestBucketInWindow } from "./windows.ts";

/** Relative allowance when comparing USD sums added in a different order, far below a cent. */
const USD_TOLERANCE = 1e-9;

/** One bucket of a counter: all spend counted for admission, and its settled part. */
export interface LedgerBucket extends SpendBucket {
  /** Settled spend only, without estimates in flight, which SQLite contains once flushed. */
  settled: QuotaAmounts;
}

interface CounterEntry {
  counter: QuotaCounter;
  /** Ordered by bucket start, oldest first. */
  buckets: LedgerBucket[];
}

/** Returns one string per counter, for map keys. */
export function counterKey(counter: QuotaCounter): string {
  return `${counter.axis}\u0000${counter.value}\u0000${counter.window}`;
}

/**
 * Quota counters in memory: spend per counter in buckets, settled spend plus the estimates of
 * requests in flight. JavaScript runs one callback at a time, so a check followed by an add
 * is atomic without a lock, as long as nothing awaits in between.
 */
export class SpendLedger {
  readonly #counters = new Map<string, CounterEntry>();

  /**
   * Adds `sign` × `amounts` to the counter's bucket. Settled spend also counts toward
   * `settled`, but an estimate in flight counts only toward the admission total.
   */
  add(
    counter: QuotaCounter,
    bucket: number,
    amounts: QuotaAmounts,
    sign: 1 | -1,
    settled: boolean,
  ): void {
    const row = this.#bucket(counter, bucket);
    row.tokens += sign * amounts.tokens;
    row.usd += sign * amounts.usd;
    if (!settled) return;
    row.settled.tokens += sign * amounts.tokens;
    row.settled.usd += sign * amounts.usd;
  }

  /** Returns the counter's buckets that overlap the window ending at `now`, oldest first. */
  rows(counter: QuotaCounter, now: number): LedgerBucket[] {
    const entry = this.#counters.get(counterKey(counter));
    if (entry === undefined) return [];
    const oldest = oldestBucketInWindow(counter.window, now);
    const first = entry.buckets.findIndex((row) => row.bucket >= oldest);
    if (first === 0) return entry.buckets;
    return first === -1 ? [] : entry.buckets.slice(first);
  }

  /** Returns the spend in the window ending at `now`, including estimates in flight. */
  usage(counter: QuotaCounter, now: number): QuotaAmounts {
    const used: QuotaAmounts = { tokens: 0, usd: 0 };
    for (const row of this.rows(counter, now)) {
      used.tokens += row.tokens;
      used.usd += row.usd;
    }
    return used;
  }

  /** Returns the settled spend in the window ending at `now`, without estimates in flight. */
  settledUsage(counter: QuotaCounter, now: number): QuotaAmounts {
    const used: QuotaAmounts = { tokens: 0, usd: 0 };
    for (const row of this.rows(counter, now)) {
      used.tokens += row.settled.tokens;
      used.usd += row.settled.usd;
    }
    return used;
  }

  /** Lists the axis values that have a bucket in the window ending at `now`, sorted. */
  values(axis: QuotaAxis, window: QuotaWindow, now: number): string[] {
    const found: string[] = [];
    for (const { counter } of this.#counters.values()) {
      if (counter.axis !== axis || counter.window !== window) continue;
      if (this.rows(counter, now).length > 0) found.push(counter.value);
    }
    return found.sort();
  }

  /**
   * Makes a bucket's settled spend equal to `stored`, the value SQLite returned after a flush.
   * Returns false when they differed, which means another process wrote the same bucket.
   */
  reconcile(counter: QuotaCounter, bucket: number, stored: QuotaAmounts): boolean {
    const entry = this.#counters.get(counterKey(counter));
    const row = entry?.buckets.find((candidate) => candidate.bucket === bucket);
    // A bucket pruned from memory has left every window, so its stored value no longer counts.
    if (row === undefined) return true;

    const tokens = stored.tokens - row.settled.tokens;
    const usd = stored.usd - row.settled.usd;
    const usdMatches = Math.abs(usd) <= USD_TOLERANCE * Math.max(1, Math.abs(stored.usd));
    if (tokens === 0 && usdMatches) return true;
    this.add(counter, bucket, { tokens, usd }, 1, true);
    return false;
  }

  /** Drops buckets that have left their window, and counters left without buckets. */
  prune(now: number): void {
    for (const [key, entry] of this.#counters) {
      const oldest = oldestBucketInWindow(entry.counter.window, now);
      entry.buckets = entry.buckets.filter((row) => row.bucket >= oldest);
      if (entry.buckets.length === 0) this.#counters.delete(key);
    }
  }

  #bucket(counter: QuotaCounter, bucket: number): LedgerBucket {
    const key = counterKey(counter);
    let entry = this.#counters.get(key);
    if (entry === undefined) {
      entry = { counter: { ...counter }, buckets: [] };
      this.#counters.set(key, entry);
    }

    // New spend lands in the newest bucket almost always, so search from the end.
    const { buckets } = entry;
    let index = buckets.length;
    while (index > 0 && buckets[index - 1]!.bucket > bucket) index -= 1;
    const previous = buckets[index - 1];
    if (previous?.bucket === bucket) return previous;

    const row: LedgerBucket = { bucket, tokens: 0, usd: 0, settled: { tokens: 0, usd: 0 } };
    buckets.splice(index, 0, row);
    return row;
  }
}
