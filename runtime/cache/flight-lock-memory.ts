import type { FlightLease, FlightLock } from "./flight-lock.ts";

interface Holder {
  token: string;
  expiresAt: number;
}

/** The embedded flight lock for one process. Leases end on the process clock. */
export class MemoryFlightLock implements FlightLock {
  readonly #holders = new Map<string, Holder>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  tryAcquire(key: string, leaseMs: number): Promise<FlightLease | null> {
    const holder = this.#holders.get(key);
    if (holder !== undefined && holder.expiresAt > this.#now()) return Promise.resolve(null);

    const token = crypto.randomUUID();
    this.#holders.set(key, { token, expiresAt: this.#now() + leaseMs });
    return Promise.resolve(this.#leaseOf(key, token, leaseMs));
  }

  waitForRelease(key: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(key) ?? new Set();
      this.#waiters.set(key, waiters);
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      waiters.add(wake);
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #leaseOf(key: string, token: string, leaseMs: number): FlightLease {
    const holds = () => this.#holders.get(key)?.token === token;
    return {
      key,
      renew: () => {
        const holder = this.#holders.get(key);
        if (holder?.token !== token || holder.expiresAt <= this.#now()) {
          return Promise.resolve(false);
        }
        holder.expiresAt = this.#now() + leaseMs;
        return Promise.resolve(true);
      },
      release: () => {
        if (holds()) this.#holders.delete(key);
        for (const wake of [...this.#waiters.get(key) ?? []]) wake();
        return Promise.resolve();
      },
    };
  }
}
