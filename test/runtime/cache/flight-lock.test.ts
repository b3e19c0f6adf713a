import { afterAll, describe, expect, test } from "bun:test";
import type { FlightLock } from "../../../runtime/cache/flight-lock.ts";
import { MemoryFlightLock } from "../../../runtime/cache/flight-lock-memory.ts";
import { ValkeyFlightLock } from "../../../runtime/cache/valkey-flight-lock.ts";
import { openValkeyForTest } from "../../support/valkey.ts";

const valkey = await openValkeyForTest();
const locks: FlightLock[] = [];
afterAll(async () => {
  for (const lock of locks) await lock.close();
  await valkey?.close();
});

/** A backend; `nodes(n)` returns the locks of n gateway nodes sharing one fresh namespace. */
interface Backend {
  name: string;
  nodes(count: number): Promise<FlightLock[]>;
}

let namespaces = 0;

const BACKENDS: Backend[] = [{
  name: "memory",
  nodes(count) {
    const lock = new MemoryFlightLock();
    return Promise.resolve(Array.from({ length: count }, () => lock));
  },
}];
if (valkey !== null) {
  BACKENDS.push({
    name: "valkey",
    async nodes(count) {
      const prefix = `${valkey.prefix}${namespaces++}:`;
      const nodes: FlightLock[] = [];
      for (let i = 0; i < count; i++) {
        const client = i === 0 ? valkey.client : await valkey.connect();
        const lock = new ValkeyFlightLock(client, prefix);
        locks.push(lock);
        nodes.push(lock);
      }
      return nodes;
    },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Returns "released" when `wait` ends first, "waiting" when `ms` pass before it does. */
function settledWithin(wait: Promise<void>, ms: number): Promise<"released" | "waiting"> {
  return Promise.race([
    wait.then(() => "released" as const),
    sleep(ms).then(() => "waiting" as const),
  ]);
}

for (const backend of BACKENDS) {
  describe(`flight lock (${backend.name})`, () => {
    test("two nodes never both lead", async () => {
      const nodes = await backend.nodes(3);
      const leases = await Promise.all(Array.from({ length: 30 }, (_, i) =>
        nodes[i % 3]!.tryAcquire("k", 5_000)));
      const held = leases.filter((lease) => lease !== null);
      expect(held).toHaveLength(1);

      await held[0]!.release();
      expect(await nodes[1]!.tryAcquire("k", 5_000)).not.toBeNull();
    });

    test("waiter takes over after leader crash", async () => {
      const [crashed, waiter] = await backend.nodes(2);
      // The crashed leader holds the lock and never renews or releases it.
      expect(await crashed!.tryAcquire("k", 150)).not.toBeNull();
      expect(await waiter!.tryAcquire("k", 5_000)).toBeNull();

      // No release is ever announced, so the waiter polls as a node's turn does.
      let lease = null;
      for (let polls = 0; lease === null && polls < 100; polls++) {
        await waiter!.waitForRelease("k", 20);
        lease = await waiter!.tryAcquire("k", 5_000);
      }
      expect(lease).not.toBeNull();
      expect(await crashed!.tryAcquire("k", 5_000)).toBeNull();
    });

    test("renewal keeps the lease", async () => {
      const [leader, other] = await backend.nodes(2);
      const lease = await leader!.tryAcquire("k", 300);
      // Renews every third of the lease for more than three lease lengths.
      for (let step = 0; step < 10; step++) {
        await sleep(100);
        expect(await lease!.renew()).toBe(true);
      }
      expect(await other!.tryAcquire("k", 300)).toBeNull();

      await sleep(400);
      expect(await other!.tryAcquire("k", 300)).not.toBeNull();
      expect(await lease!.renew()).toBe(false);
    });

    test("lost lease frees no successor", async () => {
      const [first, second] = await backend.nodes(2);
      const lost = await first!.tryAcquire("k", 50);
      await sleep(80);
      const successor = await second!.tryAcquire("k", 5_000);
      expect(successor).not.toBeNull();

      expect(await lost!.renew()).toBe(false);
      await lost!.release();
      expect(await first!.tryAcquire("k", 5_000)).toBeNull();
    });

    test("release wakes every waiter of the key", async () => {
      const [holder, waiter, third] = await backend.nodes(3);
      const lease = await holder!.tryAcquire("k", 5_000);
      // Subscribes first, so that the release below is not missed.
      await waiter!.waitForRelease("other", 1);
      await third!.waitForRelease("other", 1);
      const woken = [
        waiter!.waitForRelease("k", 60_000),
        waiter!.waitForRelease("k", 60_000),
        third!.waitForRelease("k", 60_000),
      ];
      const elsewhere = waiter!.waitForRelease("other", 1_000);
      await sleep(20);
      await lease!.release();

      for (const wait of woken) expect(await settledWithin(wait, 2_500)).toBe("released");
      expect(await settledWithin(elsewhere, 100)).toBe("waiting");
      expect(await holder!.tryAcquire("k", 5_000)).not.toBeNull();
    });

    test("wait ends at its timeout", async () => {
      const [holder, waiter] = await backend.nodes(2);
      expect(await holder!.tryAcquire("k", 5_000)).not.toBeNull();
      expect(await settledWithin(waiter!.waitForRelease("k", 50), 2_500)).toBe("released");
      expect(await waiter!.tryAcquire("k", 5_000)).toBeNull();
    });
  });
}

describe("memory flight lock clock", () => {
  test("lease ends on the given clock", async () => {
    let now = 1_000;
    const lock = new MemoryFlightLock(() => now);
    const lease = await lock.tryAcquire("k", 100);
    now = 1_099;
    expect(await lock.tryAcquire("k", 100)).toBeNull();
    expect(await lease!.renew()).toBe(true);

    now = 1_198;
    expect(await lock.tryAcquire("k", 100)).toBeNull();
    now = 1_199;
    expect(await lease!.renew()).toBe(false);
    expect(await lock.tryAcquire("k", 100)).not.toBeNull();
  });
});
