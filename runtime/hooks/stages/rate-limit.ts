import type { HookSubject, Stage, StageOutcome } from "../stage.ts";
import type { WindowCounter } from "../window-counter.ts";

export interface RateLimit {
  /** Whose traffic is counted together. */
  scope: "key" | "org" | "ip";
  /** Most requests per window. */
  requests?: number;
  /** Most estimated request tokens per window. */
  tokens?: number;
  windowSeconds: number;
}

/**
 * Blocks a request with 429 when it would take a scope over a limit. A blocked request is not
 * counted, so a client that backs off regains its budget as the window slides.
 */
export function rateLimitStage(
  limits: readonly RateLimit[],
  counter: WindowCounter,
  now: () => number = Date.now,
): Stage {
  return {
    name: "rate_limit",
    run(subject): StageOutcome {
      const at = now();
      let blocked: StageOutcome | null = null;
      for (const limit of limits) {
        const over = overLimit(limit, subject, counter, at);
        // With several limits exceeded, the client must wait for the slowest to recover.
        if (over !== null && (over.retryAfterSeconds ?? 0) > (blocked?.retryAfterSeconds ?? 0)) {
          blocked = over;
        }
      }
      if (blocked !== null) return blocked;
      for (const limit of limits) {
        const key = scopeKey(limit, subject);
        if (key === null) continue;
        const windowMs = limit.windowSeconds * 1000;
        if (limit.requests !== undefined) counter.add(`${key}:req`, 1, windowMs, at);
        if (limit.tokens !== undefined) {
          counter.add(`${key}:tok`, subject.estimatedTokens, windowMs, at);
        }
      }
      return { verdict: "allow" };
    },
  };
}

/**
 * Returns the 429 outcome when the request would take the scope over a limit. Its retry-after
 * is the wait until every exceeded count of this limit fits again.
 */
function overLimit(
  limit: RateLimit,
  subject: HookSubject,
  counter: WindowCounter,
  at: number,
): StageOutcome | null {
  const key = scopeKey(limit, subject);
  if (key === null) return null;
  const windowMs = limit.windowSeconds * 1000;
  const exceeded: string[] = [];
  let waitSeconds = 0;

  const check = (suffix: string, amount: number, max: number, unit: string) => {
    if (counter.count(`${key}:${suffix}`, windowMs, at) + amount <= max) return;
    exceeded.push(`${max} ${unit}`);
    const wait = counter.secondsUntilFits(`${key}:${suffix}`, amount, max, windowMs, at);
    waitSeconds = Math.max(waitSeconds, wait);
  };
  if (limit.requests !== undefined) check("req", 1, limit.requests, "requests");
  if (limit.tokens !== undefined) {
    check("tok", subject.estimatedTokens, limit.tokens, "tokens");
  }
  if (exceeded.length === 0) return null;

  // NOTE: a request whose own token estimate exceeds the limit never passes. It still gets 429
  // with one window as retry-after, so that the client sees a rate limit, not a new error code.
  const retryAfterSeconds = Number.isFinite(waitSeconds) ? waitSeconds : limit.windowSeconds;
  return {
    verdict: "block",
    reason: `Rate limit of ${exceeded.join(" and ")} per ${limit.windowSeconds} s for this ` +
      `${limit.scope} reached.`,
    status: 429,
    code: "rate_limited",
    retryAfterSeconds,
  };
}

/** The counter key of a scope, or null when the request has no value for it. */
function scopeKey(limit: RateLimit, subject: HookSubject): string | null {
  const value = limit.scope === "key"
    ? subject.principal.keyId
    : limit.scope === "org" ? subject.principal.org : subject.principal.ip;
  return value === null ? null : `rl:${limit.scope}:${limit.windowSeconds}:${value}`;
}
