import { describeError, type Logger } from "../observability/log.ts";

/** Releases one reservation, and rejects when the store could not be reached. */
export type ReleaseAttempt<T> = (reservationId: string, entry: T) => Promise<void>;

interface PendingRelease<T> {
  entry: T;
  /** When to stop retrying, on the `performance.now()` clock. */
  giveUpAt: number;
}

export interface ReleaseRetryOptions {
  /** Maximum releases kept. When full, the one that gives up soonest is dropped. */
  maxPending?: number;
  /** Wait before the first retry, in ms. It doubles after each failed round. */
  initialDelayMs?: number;
  /** Maximum wait between two rounds, in ms. */
  maxDelayMs?: number;
  logger?: Logger;
}

/** Minimum time between two log lines about failed retry rounds, in ms. */
const REPEAT_LOG_INTERVAL_MS = 60_000;

/**
 * Releases that failed because the store was unreachable, retried in the background with
 * exponential backoff. Each is retried until it succeeds or until its `giveUpAt`, the time
 * its lease ends, after which the store takes the estimate back on its own. Time is read
 * from `performance.now()`, so `giveUpAt` is on that clock.
 */
export class ReleaseRetryQueue<T> {
  readonly #attempt: ReleaseAttempt<T>;
  readonly #maxPending: number;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #logger: Logger | undefined;
  readonly #pending = new Map<string, PendingRelease<T>>();
  #delayMs: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #round: Promise<void> | null = null;
  #lastFailureLog = -Infinity;
  #dropped = 0;

  constructor(attempt: ReleaseAttempt<T>, options: ReleaseRetryOptions = {}) {
    this.#attempt = attempt;
    this.#maxPending = options.maxPending ?? 10_000;
    this.#initialDelayMs = options.initialDelayMs ?? 200;
    this.#maxDelayMs = options.maxDelayMs ?? 5_000;
    this.#logger = options.logger;
    this.#delayMs = this.#initialDelayMs;
  }

  get size(): number {
    return this.#pending.size;
  }

  /**
   * Queues a release to retry until `giveUpAt` (on the `performance.now()` clock). `entry` is
   * what the attempt needs besides the id.
   */
  add(reservationId: string, entry: T, giveUpAt: number): void {
    if (!this.#pending.has(reservationId) && this.#pending.size >= this.#maxPending) {
      this.#dropSoonest();
    }
    this.#pending.set(reservationId, { entry, giveUpAt });
    this.#schedule();
  }

  /** Runs one retry round now and stops the timer. What still fails is left to its lease. */
  async close(): Promise<void> {
    this.#cancel();
    await this.#round;
    if (this.#pending.size > 0) await this.#retryAll();
    this.#cancel();
    if (this.#pending.size > 0) {
      this.#logger?.log("warn", "quota.release_abandoned", {
        reservations: this.#pending.size,
        message: "quota releases still failing at close stay counted until their lease ends",
      });
    }
    this.#pending.clear();
  }

  #schedule(): void {
    if (this.#timer !== null || this.#round !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#round = this.#retryAll().finally(() => {
        this.#round = null;
        if (this.#pending.size > 0) this.#schedule();
      });
    }, this.#delayMs);
    // Retries must not keep a stopping process alive, because the leases free the estimates.
    this.#timer.unref();
  }

  async #retryAll(): Promise<void> {
    const now = performance.now();
    for (const [id, { giveUpAt }] of this.#pending) {
      if (giveUpAt <= now) this.#pending.delete(id);
    }

    const batch = [...this.#pending];
    const outcomes = await Promise.allSettled(batch.map(([id, { entry }]) =>
      this.#attempt(id, entry)));
    let failures = 0;
    let lastError: unknown = null;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === "fulfilled") {
        this.#pending.delete(batch[i]![0]);
        return;
      }
      failures += 1;
      lastError = outcome.reason;
    });

    if (failures === 0) {
      this.#delayMs = this.#initialDelayMs;
      return;
    }
    this.#delayMs = Math.min(this.#delayMs * 2, this.#maxDelayMs);
    this.#logFailure(failures, lastError);
  }

  #dropSoonest(): void {
    let soonest: string | null = null;
    let soonestAt = Infinity;
    for (const [id, { giveUpAt }] of this.#pending) {
      if (giveUpAt < soonestAt) [soonest, soonestAt] = [id, giveUpAt];
    }
    if (soonest !== null) this.#pending.delete(soonest);
    this.#dropped += 1;
  }

  #logFailure(failures: number, error: unknown): void {
    const now = performance.now();
    if (now - this.#lastFailureLog < REPEAT_LOG_INTERVAL_MS) return;
    this.#lastFailureLog = now;
    this.#logger?.log("warn", "quota.release_retry_failed", {
      error: describeError(error),
      failed: failures,
      pending: this.#pending.size,
      dropped: this.#dropped,
      next_retry_ms: this.#delayMs,
    });
  }

  #cancel(): void {
    if (this.#timer === null) return;
    clearTimeout(this.#timer);
    this.#timer = null;
  }
}
