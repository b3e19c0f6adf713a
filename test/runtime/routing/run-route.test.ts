import { describe, expect, test } from "bun:test";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { BreakerRegistry } from "../../../runtime/routing/circuit-breaker.ts";
import type { RoutingConfig } from "../../../runtime/routing/config-schema.ts";
import { type AttemptFailure, runRoute } from "../../../runtime/routing/run-route.ts";
import { seededRandom } from "../../../runtime/routing/seeded-random.ts";

interface FakeTarget {
  name: string;
  weight: number;
}

/** A failure as the gateway classifies it: the trigger and retry-after travel with it. */
class FakeFailure extends Error {
  /** `slow` makes the attempt use up the whole remaining budget before it fails. */
  constructor(readonly failure: AttemptFailure, readonly slow = false) {
    super(`failed with ${String(failure.trigger)}`);
  }
}

const fail = (trigger: AttemptFailure["trigger"], retryAfter: string | null = null) =>
  new FakeFailure({ trigger, retryAfter, final: false });

const A = { name: "a", weight: 1 };
const B = { name: "b", weight: 1 };
const C = { name: "c", weight: 1 };

interface Script {
  /** Failures per target name, consumed in order; an attempt with none left succeeds. */
  outcomes: Record<string, FakeFailure[]>;
  routing: RoutingConfig | undefined;
  targets?: FakeTarget[];
  breakers?: BreakerRegistry;
}

/** Runs a route over fake targets with a fake clock; sleeping advances the clock. */
async function run(script: Script) {
  let now = 0;
  const calls: string[] = [];
  const sleeps: number[] = [];
  const skipped: string[] = [];
  const settings = script.routing?.circuitBreaker;
  const promise = runRoute<FakeTarget, string>({
    modelName: "m",
    targets: script.targets ?? [A, B, C],
    routing: script.routing,
    breakerFor: (target) => settings === undefined || script.breakers === undefined
      ? null
      : script.breakers.get(target.name, "model", settings),
    attempt: async (target, budgetMs) => {
      calls.push(target.name);
      const next = script.outcomes[target.name]?.shift();
      if (next !== undefined) {
        if (next instanceof FakeFailure && next.slow) now += budgetMs;
        throw next;
      }
      return `answer from ${target.name}`;
    },
    classify: (error) => error instanceof FakeFailure
      ? error.failure
      : { trigger: null, retryAfter: null, final: false },
    onSkip: (target) => skipped.push(target.name),
    random: seededRandom(3),
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  });
  const result = await promise.then((value) => ({ value, error: null }),
    (error: unknown) => ({ value: null, error }));
  return { ...result, calls, sleeps, skipped };
}

describe("runRoute fallback", () => {
  test("moves on for each default trigger", async () => {
    for (const trigger of [429, 500, 502, 503, 504, 529, "timeout", "unreachable"] as const) {
      const result = await run({
        outcomes: { a: [fail(trigger)] },
        routing: { strategy: "fallback" },
      });
      expect(result.value).toBe("answer from b");
      expect(result.calls).toEqual(["a", "b"]);
    }
  });

  test("does not move on for 400", async () => {
    const badRequest = fail(400);
    const result = await run({ outcomes: { a: [badRequest] }, routing: { strategy: "fallback" } });
    expect(result.error).toBe(badRequest);
    expect(result.calls).toEqual(["a"]);
  });

  test("retryOn replaces the default triggers", async () => {
    const result = await run({
      outcomes: { a: [fail(503)] },
      routing: { strategy: "fallback", retryOn: [429] },
    });
    expect(result.calls).toEqual(["a"]);
    expect((result.error as FakeFailure).failure.trigger).toBe(503);
  });

  test("final failure stops at once", async () => {
    const gone = new FakeFailure({ trigger: 503, retryAfter: null, final: true });
    const result = await run({ outcomes: { a: [gone] }, routing: { strategy: "fallback" } });
    expect(result.error).toBe(gone);
    expect(result.calls).toEqual(["a"]);
  });

  test("throws the last failure when all fail", async () => {
    const last = fail(502);
    const result = await run({
      outcomes: { a: [fail(503)], b: [fail(500)], c: [last] },
      routing: { strategy: "fallback" },
    });
    expect(result.error).toBe(last);
    expect(result.calls).toEqual(["a", "b", "c"]);
  });

  test("single never leaves the first target", async () => {
    const result = await run({ outcomes: { a: [fail(503)] }, routing: undefined });
    expect(result.calls).toEqual(["a"]);
    expect(result.error).toBeInstanceOf(FakeFailure);
  });

  test("loadbalance falls back to the other targets", async () => {
    const result = await run({
      outcomes: { a: [fail(503)], b: [fail(503)], c: [fail(503)] },
      routing: { strategy: "loadbalance" },
    });
    expect([...result.calls].sort()).toEqual(["a", "b", "c"]);
  });
});

describe("runRoute retries", () => {
  const retries = { attempts: 3, baseMs: 100, maxMs: 1000 };

  test("retries the same target with backoff", async () => {
    const result = await run({
      outcomes: { a: [fail(503), fail(503)] },
      routing: { strategy: "fallback", retries },
    });
    expect(result.value).toBe("answer from a");
    expect(result.calls).toEqual(["a", "a", "a"]);
    expect(result.sleeps).toHaveLength(2);
    expect(result.sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(result.sleeps[0]).toBeLessThanOrEqual(100);
    expect(result.sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(result.sleeps[1]).toBeLessThanOrEqual(200);
  });

  test("honours retry-after within maxMs", async () => {
    const result = await run({
      outcomes: { a: [fail(429, "1")] },
      routing: { strategy: "fallback", retries },
    });
    expect(result.sleeps).toEqual([1000]);
    expect(result.calls).toEqual(["a", "a"]);
  });

  test("retry-after beyond maxMs moves to the next target", async () => {
    const result = await run({
      outcomes: { a: [fail(429, "30")] },
      routing: { strategy: "fallback", retries },
    });
    expect(result.sleeps).toEqual([]);
    expect(result.calls).toEqual(["a", "b"]);
  });

  test("after the last attempt the next target runs", async () => {
    const result = await run({
      outcomes: { a: [fail(503), fail(503), fail(503)] },
      routing: { strategy: "fallback", retries },
    });
    expect(result.calls).toEqual(["a", "a", "a", "b"]);
  });
});

describe("runRoute timeout", () => {
  test("stops when the budget runs out", async () => {
    const slow = new FakeFailure({ trigger: "timeout", retryAfter: null, final: false }, true);
    const result = await run({
      outcomes: { a: [slow] },
      routing: { strategy: "fallback", timeoutMs: 500 },
    });
    expect(result.calls).toEqual(["a"]);
    expect(result.error).toBeInstanceOf(NexusError);
    expect((result.error as NexusError).code).toBe("upstream_timeout");
    expect((result.error as NexusError).status).toBe(504);
  });

  test("skips a wait longer than the budget", async () => {
    const result = await run({
      outcomes: { a: [fail(429, "1")] },
      routing: {
        strategy: "fallback",
        timeoutMs: 800,
        retries: { attempts: 2, baseMs: 10, maxMs: 2000 },
      },
    });
    expect(result.sleeps).toEqual([]);
    expect(result.calls).toEqual(["a", "b"]);
  });
});

describe("runRoute breakers", () => {
  const circuitBreaker = { failureThreshold: 2, cooldownMs: 1000 };

  test("an open target is skipped", async () => {
    const breakers = new BreakerRegistry(() => 0);
    const routing: RoutingConfig = { strategy: "fallback", circuitBreaker };
    await run({ outcomes: { a: [fail(503)] }, routing, breakers });
    await run({ outcomes: { a: [fail(503)] }, routing, breakers });

    const third = await run({ outcomes: {}, routing, breakers });
    expect(third.skipped).toEqual(["a"]);
    expect(third.calls).toEqual(["b"]);
    expect(third.value).toBe("answer from b");
  });

  test("400 does not count as a failure", async () => {
    const breakers = new BreakerRegistry(() => 0);
    const routing: RoutingConfig = { strategy: "fallback", circuitBreaker };
    await run({ outcomes: { a: [fail(400)] }, routing, breakers });
    await run({ outcomes: { a: [fail(400)] }, routing, breakers });
    const third = await run({ outcomes: {}, routing, breakers });
    expect(third.calls).toEqual(["a"]);
  });

  test("all open gives 503", async () => {
    const breakers = new BreakerRegistry(() => 0);
    const routing: RoutingConfig = { strategy: "single", circuitBreaker };
    const targets = [A];
    await run({ outcomes: { a: [fail(503)] }, routing, breakers, targets });
    await run({ outcomes: { a: [fail(503)] }, routing, breakers, targets });

    const third = await run({ outcomes: {}, routing, breakers, targets });
    expect(third.calls).toEqual([]);
    const error = third.error as NexusError;
    expect(error).toBeInstanceOf(NexusError);
    expect(error.status).toBe(503);
    expect(error.code).toBe("upstream_overloaded");
    expect(error.message).toContain("circuit breakers");
    expect(error.retryAfter).toBe("1");
  });
});
