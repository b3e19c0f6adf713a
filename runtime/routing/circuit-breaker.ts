/** Settings of one breaker; see `circuitBreaker` in the routing config. */
export interface BreakerSettings {
  failureThreshold: number;
  cooldownMs: number;
}

export type BreakerState = "closed" | "open" | "half-open";

/**
 * A circuit breaker for one target. It opens after `failureThreshold` consecutive failures,
 * and while open the target is skipped. After `cooldownMs` it lets one trial request through
 * (half-open): a success closes it, a failure opens it again for another cool-down.
 */
export class CircuitBreaker {
  readonly #settings: BreakerSettings;
  readonly #now: () => number;
  #failures = 0;
  #openedAt: number | null = null;
  #trialInFlight = false;

  constructor(settings: BreakerSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  get state(): BreakerState {
    if (this.#openedAt === null) return "closed";
    return this.#now() - this.#openedAt >= this.#settings.cooldownMs ? "half-open" : "open";
  }

  /** Time until an open breaker lets a trial through, in ms; 0 unless open. */
  get remainingCooldownMs(): number {
    if (this.state !== "open" || this.#openedAt === null) return 0;
    return this.#settings.cooldownMs - (this.#now() - this.#openedAt);
  }

  /**
   * Returns whether a request may try the target now, and counts it as the trial when
   * half-open, so that concurrent requests skip the target until the trial ends.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.#trialInFlight) return false;
    this.#trialInFlight = true;
    return true;
  }

  recordSuccess(): void {
    this.#failures = 0;
    this.#openedAt = null;
    this.#trialInFlight = false;
  }

  recordFailure(): void {
    const wasTrial = this.#trialInFlight;
    this.#trialInFlight = false;
    this.#failures += 1;
    if (wasTrial || this.#failures >= this.#settings.failureThreshold) {
      this.#openedAt = this.#now();
    }
  }

  /** Ends a trial that neither failed nor succeeded (e.g. the client left). */
  release(): void {
    this.#trialInFlight = false;
  }
}

/** The breakers of one gateway, one per provider and upstream model. */
export class BreakerRegistry {
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Returns the target's breaker, created on first use with these settings. */
  get(providerId: string, upstreamModel: string, settings: BreakerSettings): CircuitBreaker {
    const key = `${providerId}\u0000${upstreamModel}`;
    let breaker = this.#breakers.get(key);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(settings, this.#now);
      this.#breakers.set(key, breaker);
    }
    return breaker;
  }
}
