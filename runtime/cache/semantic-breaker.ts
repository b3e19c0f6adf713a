export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failures: number;
  /** How long the breaker stays open, in ms. */
  cooldownMs: number;
  now?: () => number;
}

/**
 * A circuit breaker over the embedding model: after `failures` consecutive failures it opens
 * for `cooldownMs`, and the first call after the cool-down is a trial whose outcome closes or
 * reopens it.
 */
export class CircuitBreaker {
  readonly #options: Required<BreakerOptions>;
  #consecutive = 0;
  #openUntil = 0;

  constructor(options: BreakerOptions) {
    this.#options = { now: Date.now, ...options };
  }

  /** True while the cool-down runs; calls should be skipped. */
  get open(): boolean {
    return this.#options.now() < this.#openUntil;
  }

  success(): void {
    this.#consecutive = 0;
    this.#openUntil = 0;
  }

  /** Counts a failure; returns true when this failure opened the breaker. */
  failure(): boolean {
    this.#consecutive += 1;
    if (this.#consecutive < this.#options.failures) return false;
    // The count stays at the limit, so one failed trial after the cool-down reopens it.
    this.#openUntil = this.#options.now() + this.#options.cooldownMs;
    return true;
  }
}
