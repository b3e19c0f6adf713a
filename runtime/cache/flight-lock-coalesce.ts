import type { CacheStore } from "./cache-store.ts";
import type { FlightLease, FlightLock } from "./flight-lock.ts";

export interface CoalesceOptions {
  lock: FlightLock;
  /** Where the leader stores the result and followers read it, under `key`. */
  cache: CacheStore;
  key: string;
  /** Lease of the leader's lock in ms. The leader renews it every third of that while it runs. */
  leaseMs: number;
  /** Time to live of the stored result, in ms. */
  resultTtlMs: number;
  /**
   * Longest a follower waits for a result, in ms, before it calls upstream itself, without the
   * lock, so that a stuck backend slows requests down instead of failing them.
   */
  maxWaitMs: number;
  /** First and longest pause between a follower's checks, in ms. Default 20 and 500. */
  pollMs?: { min: number; max: number };
  /**
   * Receives a failed renewal or release, which the call survives: the lease then ends by
   * itself. The caller logs it with the request id.
   */
  onLockError?: (error: unknown) => void;
}

/**
 * The source of a call's result: its own call as leader, the leader's stored result, or its
 * own call without the lock.
 */
export type CoalesceRole = "leader" | "follower" | "alone";

/**
 * Returns the result for `options.key`, calling `produce` on only one node at a time. The
 * node that acquires the key's lock produces the result, stores it in the cache and releases
 * the lock. The others wait for a release or a poll interval and read the cache. When the
 * lock is free and no result is stored, they acquire it themselves. That happens after a
 * leader crashed, because its lease runs out, and after a failed call, which releases it.
 *
 * NOTE: after a failed call each waiter in turn becomes the leader and calls upstream again,
 * so a failing upstream sees one call per waiter, one after another, not all at once.
 */
export async function coalesce(
  options: CoalesceOptions,
  produce: () => Promise<string>,
): Promise<{ value: string; role: CoalesceRole }> {
  const { lock, cache, key } = options;
  const poll = options.pollMs ?? { min: 20, max: 500 };
  const deadline = Date.now() + options.maxWaitMs;
  let pause = poll.min;

  for (;;) {
    const stored = await cache.get(key);
    if (stored !== null) return { value: stored, role: "follower" };

    const lease = await lock.tryAcquire(key, options.leaseMs);
    if (lease !== null) return await lead(options, lease, produce);

    const left = deadline - Date.now();
    if (left <= 0) return { value: await produce(), role: "alone" };
    await lock.waitForRelease(key, Math.min(pause, left));
    pause = Math.min(pause * 2, poll.max);
  }
}

async function lead(
  options: CoalesceOptions,
  lease: FlightLease,
  produce: () => Promise<string>,
): Promise<{ value: string; role: CoalesceRole }> {
  const renewal = setInterval(() => {
    // A lost lease lets a second leader start. Both results answer the same request, so the
    // cost is one extra upstream call, not a wrong result.
    lease.renew().catch(reportTo(options));
  }, Math.max(1, Math.floor(options.leaseMs / 3)));

  try {
    // A previous leader may have stored the result between this node's read and acquire.
    const stored = await options.cache.get(options.key);
    if (stored !== null) return { value: stored, role: "follower" };

    const value = await produce();
    await options.cache.set(options.key, value, options.resultTtlMs);
    return { value, role: "leader" };
  } finally {
    clearInterval(renewal);
    await lease.release().catch(reportTo(options));
  }
}

function reportTo(options: CoalesceOptions): (error: unknown) => void {
  return (error) => options.onLockError?.(error);
}
