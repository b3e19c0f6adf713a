/**
 * A lock that makes one gateway node, of all that share a backend, the leader of an upstream
 * call: the first to acquire a key's lock calls upstream and stores the result, and the others
 * wait for it. The lock is a lease, so a leader that crashes frees the key when the lease
 * ends without a renewal.
 */
export interface FlightLock {
  /** Acquires the key's lock for `leaseMs`, or returns null when another holder has it. */
  tryAcquire(key: string, leaseMs: number): Promise<FlightLease | null>;
  /**
   * Resolves when a holder of the key's lock releases it, or after `timeoutMs`, whichever is
   * first. A release may be missed (one that came just before the call), so callers re-check
   * on timeout instead of relying on the wake-up.
   */
  waitForRelease(key: string, timeoutMs: number): Promise<void>;
  /** Stops listening for releases; leases already held stay valid until they end. */
  close(): Promise<void>;
}

/** A held lock. Each lease has its own token, so a lost lease never frees its successor. */
export interface FlightLease {
  readonly key: string;
  /** Extends the lease by its length from now. Returns false when the lease was lost. */
  renew(): Promise<boolean>;
  /** Frees the lock, if this lease still holds it, and wakes the key's waiters. */
  release(): Promise<void>;
}
