/** The state of a flight that decides whether new requests may join it. */
export interface Joinable {
  /** True once every request left before the end, so the call was cancelled. */
  readonly abandoned: boolean;
  readonly state: "open" | "ended" | "failed";
}

/**
 * Upstream calls in progress in this process, by cache key, so that identical concurrent
 * requests join one call instead of each making their own.
 * This is per process; on a shared Valkey store the first request of each node also takes
 * the cross-node flight lock (see the gateway's `NodeTurn`). A finished flight stays
 * joinable (its items replay in full) until its owner releases it after storing the answer.
 * The gateway releases a flight whose owner left only once its call has ended.
 */
export class InFlight<T extends Joinable> {
  readonly #flights = new Map<string, T>();

  /** True when `join` would join a flight in progress rather than start one. */
  has(key: string): boolean {
    const existing = this.#flights.get(key);
    return existing !== undefined && !existing.abandoned && existing.state !== "failed";
  }

  /** Returns the flight for the key, or starts one with `start` and registers it. */
  join(key: string, start: () => T): { flight: T; leader: boolean } {
    const existing = this.#flights.get(key);
    if (existing !== undefined && this.has(key)) {
      return { flight: existing, leader: false };
    }
    const flight = start();
    this.#flights.set(key, flight);
    return { flight, leader: true };
  }

  /** Forgets the flight, unless a newer one took its key. */
  release(key: string, flight: T): void {
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
  }

  get size(): number {
    return this.#flights.size;
  }
}
