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
      for (const limit of limits) {
        const over = overLimit(limit, subject, counter, at);
        if (over !== null) return over;
      }
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

function overLimit(
  limit: RateLimit,
  subject: HookSubject,
  counter: WindowCounter,
  at: number,
): StageOutcome | null {
  const key = scopeKey(limit, subject);
  if (key === null) return null;
  const windowMs = limit.windowSeconds * 1000;

  if (limit.requests !== undefined && counter.count(`${key}:req`, windowMs, at) + 1 >
    limit.requests) {
    return limited(limit, `${limit.requests} requests`, at);
  }
  if (limit.tokens !== undefined &&
    counter.count(`${key}:tok`, windowMs, at) + subject.estimatedTokens > limit.tokens) {
    return limited(limit, `${limit.tokens} tokens`, at);
  }
  return null;
}

/** The counter key of a scope, or null when the request has no value for it. */
function scopeKey(limit: RateLimit, subject: HookSubject): string | null {
  const value = limit.scope === "key"
    ? subject.principal.keyId
    : limit.scope === "org" ? subject.principal.org : subject.principal.ip;
  return value === null ? null : `rl:${limit.scope}:${limit.windowSeconds}:${value}`;
}

function limited(limit: RateLimit, amount: string, at: number): StageOutcome {
  const windowMs = limit.windowSeconds * 1000;
  // The sliding estimate drops fastest once the current fixed window ends.
  const retryAfterSeconds = Math.max(1, Math.ceil((windowMs - (at % windowMs)) / 1000));
  return {
    verdict: "block",
    reason: `Rate limit of ${amount} per ${limit.windowSeconds} s for this ${limit.scope} reached.`,
    status: 429,
    code: "rate_limited",
    retryAfterSeconds,
  };
}
