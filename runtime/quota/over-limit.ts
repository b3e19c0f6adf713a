import type { QuotaAmounts, QuotaCharge, QuotaExceeded, QuotaUnit } from "./quota-store.ts";
import { bucketLeavesWindowAt } from "./windows.ts";

/** Allowance for float sums of USD amounts, far below a cent. */
const USD_EPSILON = 1e-9;

/** A bucket's spend, as the store reads it. */
export interface SpendBucket {
  bucket: number;
  /** All spend counted for admission: settled spend plus estimates in flight. */
  tokens: number;
  usd: number;
  /** The settled part of the spend; when absent, all of it is taken as settled. */
  settled?: QuotaAmounts;
}

/**
 * Checks whether adding `estimate` to the spend in `buckets` (oldest first, all inside the
 * window) takes the charge's rule over a limit. Returns the first unit that would, with the
 * time when enough old spend leaves the window for the estimate to fit.
 */
export function findOverLimit(
  charge: QuotaCharge,
  buckets: SpendBucket[],
  estimate: QuotaAmounts,
): QuotaExceeded | null {
  for (const unit of ["tokens", "usd"] as QuotaUnit[]) {
    const limit = charge.rule.limit[unit];
    if (limit === undefined) continue;
    const slack = unit === "usd" ? USD_EPSILON : 0;
    const used = buckets.reduce((sum, row) => sum + row[unit], 0);
    if (used + estimate[unit] <= limit + slack) continue;

    const settled = buckets.reduce((sum, row) => sum + (row.settled ?? row)[unit], 0);
    return {
      charge,
      unit,
      limit,
      used,
      requested: estimate[unit],
      resetsAt: fitsAt(charge, buckets, unit, used + estimate[unit] - limit - slack, estimate,
        limit),
      heldInFlight: settled + estimate[unit] <= limit + slack,
    };
  }
  return null;
}

/** Returns when the oldest buckets holding at least `excess` have left the window. */
function fitsAt(
  charge: QuotaCharge,
  buckets: SpendBucket[],
  unit: QuotaUnit,
  excess: number,
  estimate: QuotaAmounts,
  limit: number,
): number | null {
  if (estimate[unit] > limit) return null;
  let aged = 0;
  for (const row of buckets) {
    aged += row[unit];
    if (aged >= excess) return bucketLeavesWindowAt(charge.rule.window, row.bucket);
  }
  // Unreachable while the estimate fits the limit, because all spend ages out eventually.
  const last = buckets.at(-1);
  return last === undefined ? null : bucketLeavesWindowAt(charge.rule.window, last.bucket);
}
