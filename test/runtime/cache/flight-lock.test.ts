import { afterAll, describe, expect, test } from "bun:test";
import type { CacheStore } from "../../../runtime/cache/cache-store.ts";
import type { FlightLock } from "../../../runtime/cache/flight-lock.ts";
import { coalesce, type CoalesceOptions } from "../../../runtime/cache/flight-lock-coalesce.ts";
import { MemoryFlightLock } from "../../../runtime/cache/flight-lock-memory.ts";
import { MemoryCacheStore } from "../../../runtime/cache/memory-cache-store.ts";
import { ValkeyCacheStore } from "../../../runtime/cache/valkey-cache-store.ts";
import { ValkeyFlightLock } from "../../../runtime/cache/valkey-flight-lock.ts";
import { openValkeyForTest } from "../../support/valkey.ts";

const valkey = await openValkeyForTest();
const locks: FlightLock[] = [];
afterAll(async () => {
  for (const lock of locks) await lock.close();
  await valkey?.close();
});

/** A gateway node's view of the shared backend: its own lock and cache clients. */
interface Node {
  lock: FlightLock;
  cache: CacheStore;
}

/** A backend; `nodes(n)` returns n nodes that share one fresh namespace. */
interface Backend {
  name: string;
  nodes(count: number): Promise<Node[]>;
}

let namespaces = 0;

const BACKENDS: Backend[] = [{
  name: "memory",
  nodes(count) {
    const lock = new MemoryFlightLock();
    const cache = new MemoryCacheStore({ maxBytes: 1_000_000 });
    return Promise.resolve(Array.from({ length: count }, () => ({ lock, cache })));
  },
}];
if (valkey !== null) {
  BACKENDS.push({
    name: "valkey",
    async nodes(count) {
      const prefix = `${valkey.prefix}${namespaces++}:`;
      const nodes: Node[] = [];
      for (let i = 0; i < count; i++) {
        const client = i === 0 ? valkey.client : await valkey.connect();
        const lock = new ValkeyFlightLock(client, prefix);
        locks.push(lock);
        nodes.push({ lock, cache: new ValkeyCacheStore(client, { prefix }) });
      }
      return nodes;
    },
  });
}

function options(node: Node, overrides: Partial<CoalesceOptions> = {}): CoalesceOptions {
  return { ...node, key: "chat:abc", leaseMs: 200, resultTtlMs: 10_000, maxWaitMs: 5_000,
    pollMs: { min: 10, max: 50 }, ...overrides };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const backend of BACKENDS) {
  describe(`flight lock (${backend.name})`, () => {
    test("one leader for concurrent calls", async () => {
      const nodes = await backend.nodes(3);
      let calls = 0;
      const produce = async () => {
        calls++;
        await sleep(50);
        return "answer";
      };
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
        coalesce(options(nodes[i % 3]!), produce)));

      expect(calls).toBe(1);
      expect(results.every((result) => result.value === "answer")).toBe(true);
      expect(results.filter((result) => result.role === "leader")).toHaveLength(1);
    });

    test("two nodes never both lead", async () => {
      const nodes = await backend.nodes(3);
      const leases = await Promise.all(Array.from({ length: 30 }, (_, i) =>
        nodes[i % 3]!.lock.tryAcquire("k", 5_000)));
      const held = leases.filter((lease) => lease !== null);
      expect(held).toHaveLength(1);

      await held[0]!.release();
      expect(await nodes[1]!.lock.tryAcquire("k", 5_000)).not.toBeNull();
    });

    test("waiter takes over after leader crash", async () => {
      const [crashed, waiter] = await backend.nodes(2);
      // The crashed leader holds the lock and never renews, stores or releases it.
      expect(await crashed!.lock.tryAcquire("chat:abc", 150)).not.toBeNull();

      const started = Date.now();
      const result = await coalesce(options(waiter!), () => Promise.resolve("retried"));
      expect(result).toEqual({ value: "retried", role: "leader" });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(Date.now() - started).toBeLessThan(3_000);
    });

    test("leader renews a long call", async () => {
      const [leader, other] = await backend.nodes(2);
      let calls = 0;
      const slow = async () => {
        calls++;
        await sleep(1_300);
        return "slow answer";
      };
      // Leases several times the renewal interval, so that a loaded machine still renews.
      const leading = coalesce(options(leader!, { leaseMs: 400 }), slow);
      await sleep(1_000);
      // Two and a half lease lengths in, the renewed lock still belongs to the leader.
      expect(await other!.lock.tryAcquire("chat:abc", 400)).toBeNull();

      const following = await coalesce(options(other!, { leaseMs: 400 }), slow);
      expect(following).toEqual({ value: "slow answer", role: "follower" });
      expect((await leading).role).toBe("leader");
      expect(calls).toBe(1);
    });

    test("failed leader hands over", async () => {
      const [leader, waiter] = await backend.nodes(2);
      let leading = () => {};
      const led = new Promise<void>((resolve) => {
        leading = resolve;
      });
      const failing = coalesce(options(leader!), async () => {
        leading();
        await sleep(50);
        throw new Error("upstream timed out");
      });
      await led;
      const waiting = coalesce(options(waiter!), () => Promise.resolve("second try"));

      await expect(failing).rejects.toThrow("upstream timed out");
      expect(await waiting).toEqual({ value: "second try", role: "leader" });
    });

    test("lost lease frees no successor", async () => {
      const [first, second] = await backend.nodes(2);
      const lost = await first!.lock.tryAcquire("k", 50);
      await sleep(80);
      const successor = await second!.lock.tryAcquire("k", 5_000);
      expect(successor).not.toBeNull();

      expect(await lost!.renew()).toBe(false);
      await lost!.release();
      expect(await first!.lock.tryAcquire("k", 5_000)).toBeNull();
    });

    test("release wakes a waiter early", async () => {
      const [holder, waiter] = await backend.nodes(2);
      const lease = await holder!.lock.tryAcquire("k", 5_000);
      // Subscribes first, so that the release below is not missed.
      await waiter!.lock.waitForRelease("other", 1);
      const started = Date.now();
      const woken = waiter!.lock.waitForRelease("k", 5_000);
      await sleep(20);
      await lease!.release();
      await woken;
      expect(Date.now() - started).toBeLessThan(2_500);
    });

    test("follower calls alone after max wait", async () => {
      const [holder, waiter] = await backend.nodes(2);
      expect(await holder!.lock.tryAcquire("chat:abc", 5_000)).not.toBeNull();
      const result = await coalesce(options(waiter!, { maxWaitMs: 100 }),
        () => Promise.resolve("own answer"));
      expect(result).toEqual({ value: "own answer", role: "alone" });
    });
  });
}
