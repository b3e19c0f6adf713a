import { describe, expect, test } from "bun:test";
import { BreakerRegistry, CircuitBreaker } from "../../../runtime/routing/circuit-breaker.ts";

function breakerWithClock(): { breaker: CircuitBreaker; advance(ms: number): void } {
  let now = 1_000;
  const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 500 }, () => now);
  return { breaker, advance: (ms) => { now += ms; } };
}

describe("CircuitBreaker", () => {
  test("opens after consecutive failures", () => {
    const { breaker } = breakerWithClock();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe("closed");
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordFailure();
    expect(breaker.state).toBe("open");
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.remainingCooldownMs).toBe(500);
  });

  test("a success resets the failure count", () => {
    const { breaker } = breakerWithClock();
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe("closed");
  });

  test("half-open lets one trial through", () => {
    const { breaker, advance } = breakerWithClock();
    for (let i = 0; i < 3; i += 1) breaker.recordFailure();
    advance(499);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1);
    expect(breaker.state).toBe("half-open");
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
  });

  test("trial success closes it", () => {
    const { breaker, advance } = breakerWithClock();
    for (let i = 0; i < 3; i += 1) breaker.recordFailure();
    advance(500);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.state).toBe("closed");
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
  });

  test("trial failure reopens it for a full cool-down", () => {
    const { breaker, advance } = breakerWithClock();
    for (let i = 0; i < 3; i += 1) breaker.recordFailure();
    advance(600);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordFailure();
    expect(breaker.state).toBe("open");
    advance(499);
    expect(breaker.state).toBe("open");
    advance(1);
    expect(breaker.state).toBe("half-open");
  });

  test("released trial lets the next request try", () => {
    const { breaker, advance } = breakerWithClock();
    for (let i = 0; i < 3; i += 1) breaker.recordFailure();
    advance(500);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release();
    expect(breaker.tryAcquire()).toBe(true);
  });
});

describe("BreakerRegistry", () => {
  test("one breaker per provider and model", () => {
    const registry = new BreakerRegistry();
    const settings = { failureThreshold: 1, cooldownMs: 1000 };
    const a = registry.get("openai", "gpt-4o", settings);
    expect(registry.get("openai", "gpt-4o", settings)).toBe(a);
    expect(registry.get("openai", "gpt-4o-mini", settings)).not.toBe(a);
    expect(registry.get("azure", "gpt-4o", settings)).not.toBe(a);
  });
});
