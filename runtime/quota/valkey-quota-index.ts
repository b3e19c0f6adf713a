import type { ValkeyClient } from "../storage/valkey/open-valkey.ts";
import type { QuotaCounter } from "./quota-store.ts";
import { counterTtlMs } from "./valkey-quota-args.ts";
import {
  type CounterGroup,
  GLOBAL_TAG,
  type QuotaKeys,
  SCOPED_AXES,
  scopeTag,
} from "./valkey-quota-keys.ts";
import { INDEX_VALUES } from "./valkey-quota-scripts.ts";
import { bucketStart, oldestBucketInWindow } from "./windows.ts";

/**
 * Maximum entries in this node's cache of indexed values. Past it the cache is cleared, and
 * each value costs one index call again.
 */
const REMEMBERED_MAX = 10_000;

/**
 * The per-axis indexes of values with spend, which `values` lists, and the hash tag of each
 * org and key counter, which `usage` needs to find a key's counter. An index spans every org,
 * so it lives under the global tag and cannot be written by the scripts that add spend under
 * an org's tag. This node writes a value to its index once per bucket instead, after the
 * spend, and skips values it already indexed in the current bucket.
 */
export class QuotaValueIndex {
  readonly #client: ValkeyClient;
  readonly #keys: QuotaKeys;
  /** The newest bucket this node indexed, by index key and value. */
  readonly #indexed = new Map<string, number>();

  constructor(client: ValkeyClient, keys: QuotaKeys) {
    this.#client = client;
    this.#keys = keys;
  }

  /** Records that the groups' counters spent at `now`, one script call per stale index. */
  async record(groups: CounterGroup[], now: number): Promise<void> {
    const stale = new Map<string, { counter: QuotaCounter; pairs: string[] }>();
    for (const { tag, counters } of groups) {
      for (const counter of counters) {
        const index = this.#keys.values(counter.axis, counter.window);
        const bucket = bucketStart(counter.window, now);
        if (this.#indexed.get(`${index}\n${counter.value}`) === bucket) continue;

        const entry = stale.get(index) ?? { counter, pairs: [] };
        entry.pairs.push(counter.value, tag === GLOBAL_TAG ? "" : tag);
        stale.set(index, entry);
      }
    }
    if (stale.size === 0) return;

    await Promise.all([...stale.values()].map(({ counter, pairs }) => INDEX_VALUES.run(
      this.#client,
      [this.#keys.values(counter.axis, counter.window), this.#keys.tags(counter.axis,
        counter.window)],
      [bucketStart(counter.window, now), oldestBucketInWindow(counter.window, now),
        counterTtlMs(counter.window), ...pairs],
    )));

    if (this.#indexed.size > REMEMBERED_MAX) this.#indexed.clear();
    for (const [index, { counter, pairs }] of stale) {
      for (let i = 0; i < pairs.length; i += 2) {
        this.#indexed.set(`${index}\n${pairs[i]}`, bucketStart(counter.window, now));
      }
    }
  }

  /** Returns the hash tag of a counter, looking up org and key counters in the index. */
  async tagOf(counter: QuotaCounter): Promise<string> {
    if (!SCOPED_AXES.has(counter.axis)) return GLOBAL_TAG;
    const tag = await this.#client.hget(this.#keys.tags(counter.axis, counter.window),
      counter.value);
    // Missing only while no reserve of the counter has returned in its window, so the
    // fallback finds an empty counter.
    return tag ?? scopeTag(counter.value);
  }
}
