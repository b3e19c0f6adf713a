import type { QuotaWindow } from "./config-schema.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Window lengths in ms. A month is 30 days, so every month window has the same length. */
export const WINDOW_MS: Record<QuotaWindow, number> = {
  minute: MINUTE_MS,
  hour: 60 * MINUTE_MS,
  day: DAY_MS,
  month: 30 * DAY_MS,
};

/**
 * Buckets per window. Spend is counted in buckets of 1/60 of the window (1 s for a minute,
 * 1 min for an hour, 24 min for a day, 12 h for a month), and a window's sum includes every
 * bucket that overlaps it. So the counted span is between one window and one window plus one
 * bucket long: spend is never forgotten early, but may be counted up to 1/60 of a window late.
 */
const BUCKETS_PER_WINDOW = 60;

export function bucketMs(window: QuotaWindow): number {
  return WINDOW_MS[window] / BUCKETS_PER_WINDOW;
}

/** Returns the start of the bucket that contains `now`. */
export function bucketStart(window: QuotaWindow, now: number): number {
  const size = bucketMs(window);
  return Math.floor(now / size) * size;
}

/** Returns the oldest bucket start that still overlaps the window ending at `now`. */
export function oldestBucketInWindow(window: QuotaWindow, now: number): number {
  return bucketStart(window, now - WINDOW_MS[window]);
}

/** Returns the time at which the bucket starting at `start` leaves the sliding window. */
export function bucketLeavesWindowAt(window: QuotaWindow, start: number): number {
  return start + bucketMs(window) + WINDOW_MS[window];
}
