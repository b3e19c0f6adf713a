import { NexusError } from "../errors/nexus-error.ts";
import type { CircuitBreaker } from "./circuit-breaker.ts";
import { DEFAULT_RETRY_ON, type RetryTrigger, type RoutingConfig } from "./config-schema.ts";
import { orderTargets, type RandomSource } from "./order-targets.ts";
import { retryDelayMs, type RetrySettings } from "./retry-delay.ts";

/** The routing-relevant facts of a failed attempt. */
export interface AttemptFailure {
  /** The value matched against `retryOn`; null never matches (e.g. an invalid response). */
  trigger: RetryTrigger | null;
  /** The provider's `retry-after` value, when it sent one. */
  retryAfter: string | null;
  /** True when the request ends regardless of the config, e.g. because the client left. */
  final: boolean;
}

/** One request's routing: its targets, the config, and the effects it may use. */
export interface RouteRun<T extends { weight: number }, R> {
  modelName: string;
  targets: readonly T[];
  /** Absent for a model without `routing`: the first target, one attempt. */
  routing: RoutingConfig | undefined;
  /** The targets in the order to try them, when chosen already; else the strategy orders. */
  order?: readonly T[];
  /** Returns the target's breaker, or null when the config has none. */
  breakerFor(target: T): CircuitBreaker | null;
  /** Runs one attempt; `budgetMs` is what is left of `timeoutMs` (Infinity without one). */
  attempt(target: T, budgetMs: number): Promise<R>;
  classify(error: unknown): AttemptFailure;
  /** Called for a target skipped because its breaker is open. */
  onSkip(target: T): void;
  random: RandomSource;
  now(): number;
  /** Waits between retries; rejects when the client leaves. */
  sleep(ms: number): Promise<void>;
}

const NO_RETRIES: RetrySettings = { attempts: 1, baseMs: 0, maxMs: 0 };

/**
 * Runs attempts over the targets until one succeeds. A failure that matches `retryOn` is
 * retried on the same target (with backoff) up to `retries.attempts`, then the next target is
 * tried. Any other failure is thrown at once. Throws the last failure when every target
 * failed, a 503 when every breaker was open, and a 504 when `timeoutMs` ran out.
 */
export async function runRoute<T extends { weight: number }, R>(run: RouteRun<T, R>): Promise<R> {
  const routing = run.routing ?? { strategy: "single" };
  const retries = routing.retries ?? NO_RETRIES;
  const retryOn = routing.retryOn ?? DEFAULT_RETRY_ON;
  const budgetEnd = routing.timeoutMs === undefined ? Infinity : run.now() + routing.timeoutMs;

  let lastError: unknown = null;
  let attempted = false;
  const order = run.order ?? orderTargets(routing.strategy, run.targets, run.random);
  for (const target of order) {
    const breaker = run.breakerFor(target);
    if (breaker !== null && !breaker.tryAcquire()) {
      run.onSkip(target);
      continue;
    }

    for (let attempt = 1; ; attempt += 1) {
      const budgetMs = budgetEnd - run.now();
      if (budgetMs <= 0) {
        breaker?.release();
        throw budgetError(run.modelName, routing.timeoutMs ?? 0, lastError);
      }

      try {
        const result = await run.attempt(target, budgetMs);
        breaker?.recordSuccess();
        return result;
      } catch (error) {
        attempted = true;
        lastError = error;
        const failure = run.classify(error);
        // A failure that is not the target's fault (a bad request, the client leaving) leaves
        // the breaker as it was.
        if (failure.final || failure.trigger === null || !retryOn.includes(failure.trigger)) {
          breaker?.release();
          throw error;
        }
        breaker?.recordFailure();

        if (attempt >= retries.attempts || breaker?.state === "open") break;
        const delay = retryDelayMs(attempt, retries, failure.retryAfter, run.random, run.now());
        if (delay === null || run.now() + delay >= budgetEnd) break;
        await run.sleep(delay);
      }
    }
  }

  if (!attempted) throw allOpenError(run);
  throw lastError;
}

function budgetError(modelName: string, timeoutMs: number, cause: unknown): NexusError {
  return new NexusError(
    "upstream_timeout",
    `No target of model '${modelName}' answered within its routing timeout of ${timeoutMs} ms.`,
    { status: 504, type: "timeout_error", cause },
  );
}

function allOpenError<T extends { weight: number }, R>(run: RouteRun<T, R>): NexusError {
  const waits = run.targets.map((target) => run.breakerFor(target)?.remainingCooldownMs ?? 0);
  const seconds = Math.max(1, Math.ceil(Math.min(...waits) / 1000));
  return new NexusError(
    "upstream_overloaded",
    `No target of model '${run.modelName}' is available: the circuit breakers of all its ` +
      `targets are open after repeated failures. Retry in ${seconds} s.`,
    { status: 503, type: "overloaded_error", retryAfter: String(seconds) },
  );
}
