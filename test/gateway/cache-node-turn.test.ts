import { describe, expect, test } from "bun:test";
import type { CacheStore } from "../../runtime/cache/cache-store.ts";
import type { FlightLock } from "../../runtime/cache/flight-lock.ts";
import { MemoryFlightLock } from "../../runtime/cache/flight-lock-memory.ts";
import { MemoryCacheStore } from "../../runtime/cache/memory-cache-store.ts";
import { StoreOutage } from "../../runtime/cache/store-outage.ts";
import type { CrossNode } from "../../services/gateway/src/cache/chat-cache.ts";
import { NodeTurn } from "../../services/gateway/src/cache/node-turn.ts";
import type { CacheServe } from "../../services/gateway/src/cache/serve-cached.ts";
import { eventually } from "../support/harness.ts";

/**
 * Turns of gateway nodes that share one lock and one store: each `NodeTurn` stands for an
 * identical request on another node. Only the parts of a served request that a turn reads
 * are set.
 */
const KEY = "nexus:chat:abc";

interface Nodes {
  lock: FlightLock;
  store: CacheStore;
  /** Events the turns logged. */
  events: string[];
  /** Details the turns added to their request records. */
  details: Map<string, unknown>;
  turn(bounds?: Partial<CrossNode>): NodeTurn<string>;
}

function sharedNodes(lock: FlightLock = new MemoryFlightLock()): Nodes {
  const store = new MemoryCacheStore({ maxBytes: 1_000_000 });
  const events: string[] = [];
  const details = new Map<string, unknown>();
  const outage = new StoreOutage({ log: (_level, event) => events.push(event) });
  const input = {
    record: { requestId: "req-1", addDetail: (name: string, value: unknown) => {
      details.set(name, value);
    } },
    plan: { key: KEY },
    cache: { store, outage },
  } as unknown as CacheServe<string>;
  const readStored = async () => {
    const stored = await store.get(KEY);
    return stored === null ? null : [stored];
  };
  return {
    lock, store, events, details,
    turn: (bounds = {}) =>
      new NodeTurn(input, { lock, leaseMs: 5_000, maxWaitMs: 10_000, ...bounds }, readStored),
  };
}

/** Stores `answer` as the leader's call would, then ends its turn. */
async function storeAndFinish(nodes: Nodes, leader: NodeTurn<string>, answer: string) {
  await nodes.store.set(KEY, answer, 60_000);
  leader.stored = true;
  leader.finish();
}

const signal = () => new AbortController().signal;

describe("node turn", () => {
  test("one node calls for all", async () => {
    const nodes = sharedNodes();
    const leader = nodes.turn();
    expect(await leader.take(signal())).toBeNull();

    const waiters = [nodes.turn(), nodes.turn(), nodes.turn()];
    const waiting = waiters.map((turn) => turn.take(signal()));
    await Bun.sleep(50);
    await storeAndFinish(nodes, leader, "answer");

    for (const answer of await Promise.all(waiting)) expect(answer).toEqual(["answer"]);
    for (const turn of waiters) expect(turn.remote).toBe(true);
    expect(leader.remote).toBe(false);
    expect(await nodes.lock.tryAcquire(KEY, 5_000)).not.toBeNull();
  });

  test("stored answer served before lock", async () => {
    const nodes = sharedNodes();
    await nodes.store.set(KEY, "earlier", 60_000);
    const turn = nodes.turn();

    expect(await turn.take(signal())).toEqual(["earlier"]);
    expect(turn.remote).toBe(true);
    // The turn released the lock at once, since it calls nothing.
    await eventually(async () => await nodes.lock.tryAcquire(KEY, 5_000) ?? undefined);
  });

  test("unstored marker frees all waiters", async () => {
    const nodes = sharedNodes();
    const leader = nodes.turn();
    expect(await leader.take(signal())).toBeNull();
    const waiting = [nodes.turn().take(signal()), nodes.turn().take(signal())];
    await Bun.sleep(50);

    // A failed or uncacheable call ends the turn without storing its answer.
    leader.finish();
    // Without the marker one waiter would take the lock and the other would wait for it.
    for (const answer of await Promise.all(waiting)) expect(answer).toBeNull();
    expect(await nodes.store.get(`unstored:${KEY}`)).toBe("1");
  });

  test("waiter takes over after leader crash", async () => {
    const nodes = sharedNodes();
    // The crashed leader holds the lock and never renews, stores or releases it.
    expect(await nodes.lock.tryAcquire(KEY, 150)).not.toBeNull();
    const waiter = nodes.turn();

    expect(await waiter.take(signal())).toBeNull();
    expect(waiter.remote).toBe(false);
    // The waiter holds the lock now, so it is the one that calls upstream.
    expect(await nodes.lock.tryAcquire(KEY, 5_000)).toBeNull();
    waiter.finish();
    await eventually(async () => await nodes.lock.tryAcquire(KEY, 5_000) ?? undefined);
  });

  test("leader renews lease in long call", async () => {
    const nodes = sharedNodes();
    const leader = nodes.turn({ leaseMs: 300 });
    expect(await leader.take(signal())).toBeNull();

    await Bun.sleep(1_000);
    // More than three lease lengths in, the renewed lock still belongs to the leader.
    expect(await nodes.lock.tryAcquire(KEY, 300)).toBeNull();
    leader.finish();
    await eventually(async () => await nodes.lock.tryAcquire(KEY, 300) ?? undefined);
  });

  test("waiter calls alone after max wait", async () => {
    const nodes = sharedNodes();
    expect(await nodes.lock.tryAcquire(KEY, 5_000)).not.toBeNull();
    const waiter = nodes.turn({ maxWaitMs: 100 });

    expect(await waiter.take(signal())).toBeNull();
    expect(waiter.remote).toBe(false);
    expect(nodes.events).toContain("cache.flight_wait_exceeded");
    expect(await nodes.lock.tryAcquire(KEY, 5_000)).toBeNull();
  });

  test("lock failure lets request call", async () => {
    const failing: FlightLock = {
      tryAcquire: () => Promise.reject(new Error("connection refused")),
      waitForRelease: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const nodes = sharedNodes(failing);
    const turn = nodes.turn();

    expect(await turn.take(signal())).toBeNull();
    expect(nodes.details.get("cache_error")).toBe("store_unavailable");
    expect(nodes.events).toContain("cache.store_unavailable");
  });

  test("aborted waiter leaves no marker", async () => {
    const nodes = sharedNodes();
    const leader = nodes.turn();
    expect(await leader.take(signal())).toBeNull();
    const controller = new AbortController();
    const waiting = nodes.turn().take(controller.signal);
    await Bun.sleep(50);

    controller.abort();
    expect(await waiting).toBeNull();
    expect(await nodes.store.get(`unstored:${KEY}`)).toBeNull();
    // The leader still holds the lock.
    expect(await nodes.lock.tryAcquire(KEY, 5_000)).toBeNull();
  });
});
