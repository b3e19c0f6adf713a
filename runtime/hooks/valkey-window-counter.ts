import type { ValkeyClient } from "../storage/valkey/open-valkey.ts";
import { LuaScript } from "../storage/valkey/lua-script.ts";
import {
  type AtomicWindowCounter,
  estimateAt,
  secondsUntilFits,
  type WindowAdmission,
  type WindowBuckets,
  type WindowCharge,
} from "./window-counter.ts";

/** Arguments per charge after the first (`now`): amount, limit, window, current, previous. */
const ARGS_PER_CHARGE = 5;

/**
 * Reads both fixed windows of every charge, and adds the amounts only when every estimate
 * plus its amount fits its limit. The estimate is `estimateAt` of window-counter.ts in the
 * same operation order, so Lua's doubles decide exactly as the embedded counter does.
 * Returns {1} when admitted, or {0, current1, previous1, …} as stored strings when not.
 */
const ADMIT = new LuaScript(`
local now = tonumber(ARGV[1])
local reads = {}
local fits = true
for i = 1, #KEYS do
  local base = 1 + (i - 1) * ${ARGS_PER_CHARGE}
  local amount = tonumber(ARGV[base + 1])
  local limit = tonumber(ARGV[base + 2])
  local window = tonumber(ARGV[base + 3])
  local start = tonumber(ARGV[base + 4])
  local current = redis.call('HGET', KEYS[i], ARGV[base + 4]) or '0'
  local previous = redis.call('HGET', KEYS[i], ARGV[base + 5]) or '0'
  reads[#reads + 1] = current
  reads[#reads + 1] = previous
  local estimate = tonumber(current) + tonumber(previous) * (1 - (now - start) / window)
  if estimate + amount > limit then fits = false end
end
if not fits then
  table.insert(reads, 1, 0)
  return reads
end
for i = 1, #KEYS do
  local base = 1 + (i - 1) * ${ARGS_PER_CHARGE}
  redis.call('HINCRBYFLOAT', KEYS[i], ARGV[base + 4], ARGV[base + 1])
  for _, field in ipairs(redis.call('HKEYS', KEYS[i])) do
    if field ~= ARGV[base + 4] and field ~= ARGV[base + 5] then
      redis.call('HDEL', KEYS[i], field)
    end
  end
  redis.call('PEXPIRE', KEYS[i], 2 * tonumber(ARGV[base + 3]))
end
return {1}
`);

/**
 * Rate-limit counters in Valkey, shared by every gateway node. Each key is a hash of window
 * start to count that contains at most the current and previous fixed windows, and expires two
 * windows after its last add, so memory follows the active keys.
 *
 * NOTE: every key carries the hash tag `{rl}` so that one script may touch the keys of all
 * of a request's limits. On a Valkey cluster all rate-limit keys therefore live on one shard.
 */
export class ValkeyWindowCounter implements AtomicWindowCounter {
  readonly #client: ValkeyClient;
  readonly #prefix: string;

  /** `prefix` starts every key, so that deployments and tests sharing a server stay apart. */
  constructor(client: ValkeyClient, prefix = "nexus:") {
    this.#client = client;
    this.#prefix = prefix;
  }

  async admit(charges: readonly WindowCharge[], now: number): Promise<WindowAdmission> {
    const keys = charges.map((charge) => this.#keyOf(charge.key));
    const args: (string | number)[] = [now];
    for (const charge of charges) {
      const start = windowStart(charge.windowMs, now);
      args.push(charge.amount, charge.limit, charge.windowMs, start, start - charge.windowMs);
    }

    const reply = await ADMIT.run(this.#client, keys, args) as (number | string)[];
    if (reply[0] === 1) return { ok: true };

    const waits = charges.map((charge, i) => {
      const buckets: WindowBuckets = {
        start: windowStart(charge.windowMs, now),
        current: Number(reply[1 + 2 * i]),
        previous: Number(reply[2 + 2 * i]),
      };
      if (estimateAt(buckets, charge.windowMs, now) + charge.amount <= charge.limit) return 0;
      return secondsUntilFits(buckets, charge.amount, charge.limit, charge.windowMs, now);
    });
    return { ok: false, waits };
  }

  async count(key: string, windowMs: number, now: number): Promise<number> {
    const start = windowStart(windowMs, now);
    const [current, previous] = await this.#client.hmget(this.#keyOf(key), String(start),
      String(start - windowMs));
    const buckets = { start, current: Number(current ?? 0), previous: Number(previous ?? 0) };
    return estimateAt(buckets, windowMs, now);
  }

  #keyOf(key: string): string {
    return `${this.#prefix}{rl}:${key}`;
  }
}

function windowStart(windowMs: number, now: number): number {
  return Math.floor(now / windowMs) * windowMs;
}
