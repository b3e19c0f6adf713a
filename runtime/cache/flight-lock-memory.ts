import type { FlightLease, FlightLock } from "./flight-lock.ts";
import { ReleaseWaiters } from "./flight-lock-waiters.ts";

interface Holder {
  token: string;
  expiresAt: number;
}

/** The embedded flight lock for one process. Leases end on the process clock. */
export class MemoryFlightLock implements FlightLock {
  readonly #holders = new Map<string, Holder>();
  readonly #waiters = new ReleaseWaiters();
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
    return this.#waiters.wait(key, timeoutMs);
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
        this.#waiters.wakeAll(key);
        return Promise.resolve();
      },
    };
  }
}
