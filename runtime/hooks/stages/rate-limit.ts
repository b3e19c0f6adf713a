import type { HookSubject, Stage, StageOutcome } from "../stage.ts";
import type {
  AtomicWindowCounter,
  WindowAdmission,
  WindowCharge,
} from "../window-counter.ts";

export interface RateLimit {
  /** Whose traffic is counted together. */
  scope: "key" | "org" | "ip";
  /** Most requests per window. */
  requests?: number;
  /** Most estimated request tokens per window. */
  tokens?: number;
  windowSeconds: number;
}

/** A count one limit adds to for this request. */
interface LimitCharge {
  limit: RateLimit;
  unit: "requests" | "tokens";
  charge: WindowCharge;
}

/**
 * Blocks a request with 429 when it would take a scope over a limit. A blocked request is not
 * counted, so a client that backs off regains its budget as the window slides. The counter
 * checks every limit and counts the request in one atomic step, so gateway nodes that share
 * a counter cannot both admit the request that fills a limit.
 */
export function rateLimitStage(
  limits: readonly RateLimit[],
  counter: AtomicWindowCounter,
  now: () => number = Date.now,
): Stage {
  return {
    name: "rate_limit",
    run(subject): StageOutcome | Promise<StageOutcome> {
      const charges = chargesOf(limits, subject);
      if (charges.length === 0) return { verdict: "allow" };

      const admission = counter.admit(charges.map((entry) => entry.charge), now());
      // The embedded counter returns synchronously, so only a network counter costs a promise.
      if (admission instanceof Promise) {
        return admission.then((result) => outcomeOf(result, charges));
      }
      return outcomeOf(admission, charges);
    },
  };
}

/** Lists the counts each limit adds to, in limit order, requests before tokens. */
function chargesOf(limits: readonly RateLimit[], subject: HookSubject): LimitCharge[] {
  const charges: LimitCharge[] = [];
  for (const limit of limits) {
    const key = scopeKey(limit, subject);
    if (key === null) continue;
    const windowMs = limit.windowSeconds * 1000;
    if (limit.requests !== undefined) {
      charges.push({ limit, unit: "requests",
        charge: { key: `${key}:req`, amount: 1, limit: limit.requests, windowMs } });
    }
    if (limit.tokens !== undefined) {
      charges.push({ limit, unit: "tokens", charge: { key: `${key}:tok`,
        amount: subject.estimatedTokens, limit: limit.tokens, windowMs } });
    }
  }
  return charges;
}

function outcomeOf(admission: WindowAdmission, charges: LimitCharge[]): StageOutcome {
  if (admission.ok) return { verdict: "allow" };

  let blocked: StageOutcome | null = null;
  for (const limit of new Set(charges.map((entry) => entry.limit))) {
    const over = overLimit(limit, charges, admission.waits);
    // With several limits exceeded, the client must wait for the slowest to recover.
    if (over !== null && (over.retryAfterSeconds ?? 0) > (blocked?.retryAfterSeconds ?? 0)) {
      blocked = over;
    }
  }
  // The counter reports a wait for every charge that did not fit, so one limit is over.
  return blocked ?? { verdict: "block", reason: "Rate limit reached.", status: 429,
    code: "rate_limited", retryAfterSeconds: 1 };
}

/**
 * Returns the 429 outcome when the request would take the scope over a limit. Its retry-after
 * is the wait until every exceeded count of this limit fits again.
 */
function overLimit(
  limit: RateLimit,
  charges: LimitCharge[],
  waits: number[],
): StageOutcome | null {
  const exceeded: string[] = [];
  let waitSeconds = 0;
  charges.forEach((entry, i) => {
    const wait = waits[i] ?? 0;
    if (entry.limit !== limit || wait === 0) return;
    exceeded.push(`${entry.charge.limit} ${entry.unit}`);
    waitSeconds = Math.max(waitSeconds, wait);
  });
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
