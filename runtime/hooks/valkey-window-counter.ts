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
 * KEYS: counters. ARGV: per key, the window start field and the amount to take back. A field
 * already pruned is out of both windows, so it is not recreated.
 */
const UNDO = new LuaScript(`
for i = 1, #KEYS do
  if redis.call('HEXISTS', KEYS[i], ARGV[2 * i - 1]) == 1 then
    redis.call('HINCRBYFLOAT', KEYS[i], ARGV[2 * i - 1], ARGV[2 * i])
  end
end
return 1
`);

/** Rate-limit keys as the rate-limit stage builds them: `rl:<scope>:<seconds>:<value>:<unit>`. */
const STAGE_KEY = /^rl:(key|org|ip):\d+:(.*):(req|tok)$/;

/** Hash tag of keys in another format, which all share one shard. */
const SHARED_TAG = "rl";

/** Charges that share a hash tag, with their places in the request's charge list. */
interface TagGroup {
  tag: string;
  charges: WindowCharge[];
  places: number[];
}

/**
 * Rate-limit counters in Valkey, shared by every gateway node. Each key is a hash of window
 * start to count that contains at most the current and previous fixed windows, and expires two
 * windows after its last add, so memory follows the active keys.
 *
 * Keys are spread over a Valkey cluster by the hash tag of their scope and value, such as
 * `{rl:org:acme}`, which the stage's key format gives (STAGE_KEY). Keys in any other format
 * share the tag `{rl}`. The request and token counts of one limit share a tag, so a request
 * whose limits all have one scope runs one atomic script. A request with limits in several
 * scopes (key, org and ip) runs one script per scope in turn, and when one rejects, the
 * amounts the earlier ones added are taken back. Between the two steps, those amounts can make
 * a concurrent request fail that would have fit, but no limit is passed. That request's 429
 * then names the limit whose count the undone amounts inflated (say its key limit), not the
 * limit that is actually full (say the org limit).
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
    const groups = groupByTag(charges);
    for (const [i, group] of groups.entries()) {
      const reply = await this.#admitGroup(group.charges, now);
      if (reply[0] === 1) continue;

      await Promise.all(groups.slice(0, i).map((done) => this.#undo(done.charges, now)));
      const waits = charges.map(() => 0);
      group.places.forEach((place, j) => {
        waits[place] = waitOf(group.charges[j]!, now, reply[1 + 2 * j]!, reply[2 + 2 * j]!);
      });
      await this.#addUncheckedWaits(groups.slice(i + 1), waits, now);
      return { ok: false, waits };
    }
    return { ok: true };
  }

  async count(key: string, windowMs: number, now: number): Promise<number> {
    const start = windowStart(windowMs, now);
    const [current, previous] = await this.#client.hmget(this.#keyOf(key), String(start),
      String(start - windowMs));
    const buckets = { start, current: Number(current ?? 0), previous: Number(previous ?? 0) };
    return estimateAt(buckets, windowMs, now);
  }

  #admitGroup(charges: WindowCharge[], now: number): Promise<(number | string)[]> {
    const keys = charges.map((charge) => this.#keyOf(charge.key));
    const args: (string | number)[] = [now];
    for (const charge of charges) {
      const start = windowStart(charge.windowMs, now);
      args.push(charge.amount, charge.limit, charge.windowMs, start, start - charge.windowMs);
    }
    return ADMIT.run(this.#client, keys, args) as Promise<(number | string)[]>;
  }

  async #undo(charges: WindowCharge[], now: number): Promise<void> {
    const args = charges.flatMap((charge) =>
      [windowStart(charge.windowMs, now), -charge.amount]);
    await UNDO.run(this.#client, charges.map((charge) => this.#keyOf(charge.key)), args);
  }

  /** Fills in the waits of groups after the one that rejected, which never ran. */
  async #addUncheckedWaits(groups: TagGroup[], waits: number[], now: number): Promise<void> {
    const reads = groups.flatMap((group) => group.charges.map(async (charge, j) => {
      const start = windowStart(charge.windowMs, now);
      const [current, previous] = await this.#client.hmget(this.#keyOf(charge.key),
        String(start), String(start - charge.windowMs));
      waits[group.places[j]!] = waitOf(charge, now, current ?? "0", previous ?? "0");
    }));
    await Promise.all(reads);
  }

  #keyOf(key: string): string {
    return `${this.#prefix}{${tagOf(key)}}:${key}`;
  }
}

/** Returns the hash tag of a rate-limit key: its scope and value, or the shared tag. */
export function tagOf(key: string): string {
  const match = STAGE_KEY.exec(key);
  return match === null ? SHARED_TAG : `rl:${match[1]}:${match[2]}`;
}

function groupByTag(charges: readonly WindowCharge[]): TagGroup[] {
  const groups = new Map<string, TagGroup>();
  charges.forEach((charge, place) => {
    const tag = tagOf(charge.key);
    const group = groups.get(tag) ?? { tag, charges: [], places: [] };
    group.charges.push(charge);
    group.places.push(place);
    groups.set(tag, group);
  });
  return [...groups.values()];
}

/** Returns 0 when the charge fits on the stored counts, else the seconds until it fits. */
function waitOf(charge: WindowCharge, now: number, current: number | string,
  previous: number | string): number {
  const buckets: WindowBuckets = {
    start: windowStart(charge.windowMs, now),
    current: Number(current),
    previous: Number(previous),
  };
  if (estimateAt(buckets, charge.windowMs, now) + charge.amount <= charge.limit) return 0;
  return secondsUntilFits(buckets, charge.amount, charge.limit, charge.windowMs, now);
}

function windowStart(windowMs: number, now: number): number {
  return Math.floor(now / windowMs) * windowMs;
}
