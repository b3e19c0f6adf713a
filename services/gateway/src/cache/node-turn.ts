import type { CacheStore } from "../../../../runtime/cache/cache-store.ts";
import type { FlightLease } from "../../../../runtime/cache/flight-lock.ts";
import { describeError } from "../../../../runtime/observability/log.ts";
import type { CrossNode } from "./chat-cache.ts";
import type { CacheServe } from "./serve-cached.ts";

/** First and longest pause between a waiting node's checks, in ms. */
const POLL_MS = { min: 20, max: 500 };
/**
 * How long the "answer not stored" marker of a key lives, in ms: long enough for every
 * waiting node to see it after the release, short enough that a later round rarely does.
 */
const UNSTORED_MARKER_MS = 3_000;

/**
 * The turn of one node's flight among the gateway nodes sharing a store: which node calls
 * upstream for a key while identical requests on the others wait for its stored answer.
 * The node holding the lock renews its lease while the call runs and releases it after the
 * answer was stored, or after marking the key as not stored (an uncacheable or failed answer)
 * so the waiting nodes call upstream at once rather than take the lock one after another.
 * NOTE: a node waiting for another node's stream gets it only once it has ended and was
 * stored, then replays it whole; its client sees no byte before that.
 */
export class NodeTurn<T> {
  readonly #input: CacheServe<T>;
  readonly #crossNode: CrossNode;
  readonly #readStored: () => Promise<T[] | null>;
  #lease: FlightLease | null = null;
  #renewal: ReturnType<typeof setInterval> | null = null;
  /** Set once the owner request let go, so a lock taken after that is released at once. */
  #finished = false;
  /** True once this node stored the answer of its call. */
  stored = false;
  /** True when the answer is another node's stored one, so this node stores nothing. */
  remote = false;

  constructor(input: CacheServe<T>, crossNode: CrossNode, readStored: () => Promise<T[] | null>) {
    this.#input = input;
    this.#crossNode = crossNode;
    this.#readStored = readStored;
  }

  /**
   * Waits for this node's turn and returns another node's stored answer. Returns null, so this
   * node calls upstream, once it holds the lock, saw the key marked as not stored, waited
   * `maxWaitMs`, or got an error from the lock backend (a request never fails on the lock).
   */
  async take(signal: AbortSignal): Promise<readonly T[] | null> {
    try {
      const stored = await this.#wait(signal);
      if (signal.aborted) {
        // Every request left, maybe while the lock was being taken: no call, no marker.
        this.stored = true;
        this.finish();
        return null;
      }
      // The flight marks its requests as served from the store (`Flight.afterTurn`).
      if (stored !== null) this.remote = true;
      return stored;
    } catch (error) {
      this.#input.record.addDetail("cache_error", "store_unavailable");
      this.#log("warn", "cache.flight_lock_failed", { error: describeError(error) });
      return null;
    }
  }

  /** Frees the key for the other nodes; call it once the answer was stored or dropped. */
  finish(): void {
    this.#finished = true;
    const lease = this.#lease;
    if (lease === null) return;
    this.#lease = null;
    if (this.#renewal !== null) clearInterval(this.#renewal);
    void this.#release(lease);
  }

  async #wait(signal: AbortSignal): Promise<readonly T[] | null> {
    const { lock, leaseMs, maxWaitMs } = this.#crossNode;
    const key = this.#input.plan.key;
    const deadline = Date.now() + maxWaitMs;
    let pause = POLL_MS.min;
    while (!signal.aborted) {
      const lease = await lock.tryAcquire(key, leaseMs);
      if (lease !== null) return await this.#lead(lease);

      const stored = await this.#readStored();
      if (stored !== null) return stored;
      if (await this.#store().get(markerKey(key)) !== null) return null;

      const left = deadline - Date.now();
      if (left <= 0) {
        this.#log("warn", "cache.flight_wait_exceeded", { waited_ms: maxWaitMs });
        return null;
      }
      await lock.waitForRelease(key, Math.min(pause, left));
      pause = Math.min(pause * 2, POLL_MS.max);

      // After a release the answer is most likely stored, so it is read before the lock.
      const released = await this.#readStored();
      if (released !== null) return released;
    }
    return null;
  }

  /** Holds the lock: a node that released just before may have stored the answer. */
  async #lead(lease: FlightLease): Promise<readonly T[] | null> {
    this.#lease = lease;
    this.#renewal = setInterval(() => void this.#renew(lease),
      Math.max(1, Math.floor(this.#crossNode.leaseMs / 3)));
    const stored = await this.#readStored();
    if (stored !== null) this.stored = true;
    // Without its owner no request stores this call's answer, so the key is freed and marked.
    if (stored !== null || this.#finished) this.finish();
    return stored;
  }

  async #renew(lease: FlightLease): Promise<void> {
    try {
      // A lost lease lets a second node call upstream too; both answers are the same request's.
      if (!await lease.renew()) this.#log("warn", "cache.flight_lease_lost", {});
    } catch (error) {
      this.#log("warn", "cache.flight_lease_renew_failed", { error: describeError(error) });
    }
  }

  async #release(lease: FlightLease): Promise<void> {
    try {
      if (!this.stored) {
        await this.#store().set(markerKey(lease.key), "1", UNSTORED_MARKER_MS);
      }
      await lease.release();
    } catch (error) {
      // The lease then ends by itself, and the waiting nodes take over after it.
      this.#log("warn", "cache.flight_release_failed", { error: describeError(error) });
    }
  }

  #store(): CacheStore {
    return this.#input.cache.store;
  }

  #log(level: "warn", event: string, fields: Record<string, string | number>): void {
    // Store failures go through the outage's logger, which logs them once per outage.
    this.#input.cache.outage.logger.log(level, event, {
      request_id: this.#input.record.requestId,
      ...fields,
    });
  }
}

/** Answer keys start with `nexus:` (see `answerCacheKey`), so none can take this form. */
function markerKey(key: string): string {
  return `unstored:${key}`;
}
