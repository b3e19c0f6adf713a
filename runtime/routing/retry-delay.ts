import type { RandomSource } from "./order-targets.ts";

/** Attempts per target and the exponential backoff between them, in ms. */
export interface RetrySettings {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

/**
 * Returns the wait before retry number `retry` (1 for the first retry), in ms. A `retry-after`
 * from the provider is honoured when it is at most `maxMs`; a longer one returns null, which
 * means: do not wait, move to the next target. Otherwise the wait is exponential backoff,
 * `baseMs * 2^(retry-1)` capped at `maxMs`, with "equal jitter": half fixed, half random, so
 * clients that failed together do not retry together.
 */
export function retryDelayMs(
  retry: number,
  settings: RetrySettings,
  retryAfter: string | null,
  random: RandomSource,
  nowMs: number,
): number | null {
  const requestedMs = retryAfter === null ? null : parseRetryAfterMs(retryAfter, nowMs);
  if (requestedMs !== null) return requestedMs <= settings.maxMs ? requestedMs : null;

  const exponential = Math.min(settings.maxMs, settings.baseMs * 2 ** (retry - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/**
 * Parses a `retry-after` value, whole seconds or an HTTP date (RFC 9110, section 10.2.3), into
 * ms from `nowMs`; null when it is neither.
 */
export function parseRetryAfterMs(value: string, nowMs: number): number | null {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;

  // Every HTTP date format names the weekday and month, so a value without letters is not one.
  const date = /[A-Za-z]{3}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}
