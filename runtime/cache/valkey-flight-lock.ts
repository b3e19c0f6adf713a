import type { ValkeyClient } from "../storage/valkey/open-valkey.ts";
import { LuaScript } from "../storage/valkey/lua-script.ts";
import type { FlightLease, FlightLock } from "./flight-lock.ts";
import { ReleaseWaiters } from "./flight-lock-waiters.ts";

/** KEYS: lock. ARGV: token, lease ms. Extends the lease only while the token holds it. */
const RENEW = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`);

/**
 * KEYS: lock. ARGV: token, release channel, flight key. Deletes the lock only while the token
 * holds it, then announces the key, so waiters on every node re-check at once.
 */
const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
`);

/**
 * The flight lock shared by gateway nodes: `SET key token NX PX lease` elects the leader, and
 * a release is announced on one pub/sub channel whose messages are the flight keys. The
 * subscriber connection opens at the first wait.
 *
 * NOTE: every node receives every release on the channel, one small message per upstream call
 * that had a leader. A Valkey cluster would need sharded pub/sub (SSUBSCRIBE) by key instead.
 */
export class ValkeyFlightLock implements FlightLock {
  readonly #client: ValkeyClient;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #waiters = new ReleaseWaiters();
  #subscriber: Promise<ValkeyClient> | null = null;

  /** `prefix` starts every key and the channel name, so deployments stay apart. */
  constructor(client: ValkeyClient, prefix = "nexus:") {
    this.#client = client;
    this.#prefix = `${prefix}flight:`;
    this.#channel = `${prefix}flight-released`;
  }

  async tryAcquire(key: string, leaseMs: number): Promise<FlightLease | null> {
    const token = crypto.randomUUID();
    const lockKey = this.#prefix + key;
    const reply = await this.#client.set(lockKey, token, "PX", leaseMs, "NX");
    if (reply !== "OK") return null;

    return {
      key,
      renew: async () => await RENEW.run(this.#client, [lockKey], [token, leaseMs]) === 1,
      release: async () => {
        await RELEASE.run(this.#client, [lockKey], [token, this.#channel, key]);
      },
    };
  }

  async waitForRelease(key: string, timeoutMs: number): Promise<void> {
    try {
      await this.#subscribe();
    } catch {
      // Without a subscription the wait is a plain poll interval, and the next wait retries it.
      this.#subscriber = null;
    }
    await this.#waiters.wait(key, timeoutMs);
  }

  async close(): Promise<void> {
    const subscriber = this.#subscriber;
    this.#subscriber = null;
    if (subscriber !== null) (await subscriber).disconnect();
  }

  #subscribe(): Promise<ValkeyClient> {
    this.#subscriber ??= (async () => {
      const subscriber = this.#client.duplicate();
      subscriber.on("error", () => {});
      subscriber.on("message", (_channel: string, key: string) => {
        this.#waiters.wakeAll(key);
      });
      try {
        // The client has no offline queue, so a command sent before the connection is up fails.
        await subscriber.connect();
        await subscriber.subscribe(this.#channel);
      } catch (error) {
        subscriber.disconnect();
        throw error;
      }
      return subscriber;
    })();
    return this.#subscriber;
  }
}
