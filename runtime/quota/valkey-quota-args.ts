import type { QuotaWindow } from "./config-schema.ts";
import type { SpendBucket } from "./over-limit.ts";
import { findOverLimit } from "./over-limit.ts";
import {
  counterOf,
  type QuotaAlert,
  type QuotaAmounts,
  type QuotaCharge,
  type QuotaCounter,
  type QuotaExceeded,
  type QuotaUnit,
} from "./quota-store.ts";
import { bucketMs, bucketStart, oldestBucketInWindow, WINDOW_MS } from "./windows.ts";

/** A soft rule's unit that settle checks, with the alert it records when over the limit. */
export interface SoftCheck {
  /** Index of the counter in the reservation's distinct counters. */
  counter: number;
  alert: QuotaAlert;
}

/** Returns each counter once, so rules that share a counter add the spend only once. */
export function distinctCounters(charges: QuotaCharge[]): QuotaCounter[] {
  const byName = new Map<string, QuotaCounter>();
  for (const charge of charges) {
    const counter = counterOf(charge);
    byName.set(counterName(counter), counter);
  }
  return [...byName.values()];
}

export function indexOf(counters: QuotaCounter[], charge: QuotaCharge): number {
  const name = counterName(counterOf(charge));
  return counters.findIndex((counter) => counterName(counter) === name);
}

/**
 * Returns the script arguments of each counter: the bucket that contains `now`, the oldest
 * bucket in the window, and the key's time to live.
 */
export function counterArgs(counters: QuotaCounter[], now: number): (string | number)[] {
  return counters.flatMap((counter) => [
    String(bucketStart(counter.window, now)),
    oldestBucketInWindow(counter.window, now),
    counterTtlMs(counter.window),
  ]);
}

/**
 * Returns how long a counter key lives after its last spend, in ms: long enough for the
 * newest bucket to leave the window before the key expires.
 */
export function counterTtlMs(window: QuotaWindow): number {
  return WINDOW_MS[window] + 2 * bucketMs(window);
}

/** Lists the soft charges' units that have a limit, each with the alert it would record. */
export function softChecks(charges: QuotaCharge[], counters: QuotaCounter[],
  now: number): SoftCheck[] {
  const checks: SoftCheck[] = [];
  for (const charge of charges) {
    if (charge.rule.mode !== "soft") continue;
    for (const unit of ["tokens", "usd"] as QuotaUnit[]) {
      const limit = charge.rule.limit[unit];
      if (limit === undefined) continue;
      const alert: QuotaAlert = { time: now, ...counterOf(charge), match: charge.rule.match,
        unit, limit, used: 0 };
      checks.push({ counter: indexOf(counters, charge), alert });
    }
  }
  return checks;
}

/**
 * Parses a counter hash into rows, oldest first. Fields `t:<bucket>` and `u:<bucket>` hold
 * all spend counted for admission, and `T:<bucket>` and `U:<bucket>` its settled part.
 */
export function bucketRows(fields: Record<string, string>): SpendBucket[] {
  const byBucket = new Map<number, Required<SpendBucket>>();
  for (const [field, amount] of Object.entries(fields)) {
    const bucket = Number(field.slice(2));
    const row = byBucket.get(bucket) ??
      { bucket, tokens: 0, usd: 0, settled: { tokens: 0, usd: 0 } };
    const value = Number(amount);
    if (field.startsWith("t:")) row.tokens = value;
    else if (field.startsWith("u:")) row.usd = value;
    else if (field.startsWith("T:")) row.settled.tokens = value;
    else if (field.startsWith("U:")) row.settled.usd = value;
    byBucket.set(bucket, row);
  }
  return [...byBucket.values()].sort((a, b) => a.bucket - b.bucket);
}

/** Parses the flat `start, tokens, usd, settled tokens, settled usd, …` rows RESERVE returns. */
export function rowsOf(flat: (number | string)[]): SpendBucket[] {
  const rows: SpendBucket[] = [];
  for (let i = 0; i + 4 < flat.length; i += 5) {
    rows.push({ bucket: Number(flat[i]), tokens: Number(flat[i + 1]), usd: Number(flat[i + 2]),
      settled: { tokens: Number(flat[i + 3]), usd: Number(flat[i + 4]) } });
  }
  return rows;
}

/**
 * Describes the charge the script rejected, from the rows it read. The script sums in the
 * same order as `findOverLimit`, so both find the same unit over its limit.
 */
export function exceededOf(charge: QuotaCharge, rows: SpendBucket[],
  estimate: QuotaAmounts): QuotaExceeded {
  const exceeded = findOverLimit(charge, rows, estimate);
  if (exceeded !== null) return exceeded;

  // Unreachable unless the script's and this process's sums disagree; report it unknown.
  const unit: QuotaUnit = charge.rule.limit.tokens !== undefined ? "tokens" : "usd";
  const used = rows.reduce((sum, row) => sum + row[unit], 0);
  return { charge, unit, limit: charge.rule.limit[unit]!, used, requested: estimate[unit],
    resetsAt: null, heldInFlight: false };
}

function counterName(counter: QuotaCounter): string {
  return JSON.stringify([counter.axis, counter.value, counter.window]);
}
