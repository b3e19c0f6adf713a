import type { QuotaAxis, QuotaRule, QuotaWindow } from "./config-schema.ts";

/** Spend in both units a budget can be set in. */
export interface QuotaAmounts {
  tokens: number;
  usd: number;
}

export type QuotaUnit = keyof QuotaAmounts;

/** One rule applied to one axis value: the budget a request is charged against. */
export interface QuotaCharge {
  rule: QuotaRule;
  /** The axis value this request has, such as the org name; `rule.match` may be `*`. */
  value: string;
}

/** The counter a charge adds to. Rules with the same axis, value and window share one. */
export interface QuotaCounter {
  axis: QuotaAxis;
  value: string;
  window: QuotaWindow;
}

/** The hard rule and unit that rejected a reservation. */
export interface QuotaExceeded {
  charge: QuotaCharge;
  unit: QuotaUnit;
  limit: number;
  /** Spend in the window when the request came, including estimates still in flight. */
  used: number;
  /** The estimate this request asked to reserve. */
  requested: number;
  /**
   * Time at which enough spend has left the sliding window for the request to fit, in ms
   * since the epoch. It is null when the request alone is over the limit and never fits.
   */
  resetsAt: number | null;
  /**
   * True when settled spend plus this estimate fits the limit, so the rejection is caused by
   * estimates of requests still in flight, which settle (usually lower) when they end.
   */
  heldInFlight: boolean;
}

/** A soft rule whose spend went over its limit. The store records one per window length. */
export interface QuotaAlert {
  time: number;
  axis: QuotaAxis;
  match: string;
  value: string;
  window: QuotaWindow;
  unit: QuotaUnit;
  limit: number;
  used: number;
}

export type ReserveResult =
  | { ok: true; reservationId: string }
  | { ok: false; exceeded: QuotaExceeded };

/**
 * Budget counters shared by every gateway that uses the same backend. `reserve` checks every
 * hard charge and adds the estimate to every counter as one atomic step, so requests that run
 * at the same time can overshoot a budget only by how much their real usage exceeds their
 * estimates. The embedded store is `SqliteQuotaStore`.
 */
export interface QuotaStore {
  /**
   * Reserves `estimate` against every charge, or reserves nothing and reports the first hard
   * charge the estimate would take over its limit. `scope` is the request's org, or its key
   * id when it has none. A clustered store keeps the request's org and key counters together
   * under it, so it must be the same for every request of a key.
   */
  reserve(charges: QuotaCharge[], estimate: QuotaAmounts, now: number,
    scope?: string): Promise<ReserveResult>;
  /**
   * Replaces a reservation's estimate with the real spend, charged at `now`, and returns the
   * soft-limit alerts this spend raised. An unknown or already settled id does nothing.
   */
  settle(reservationId: string, actual: QuotaAmounts, now: number): Promise<QuotaAlert[]>;
  /** Takes a reservation's estimate back, for a request that failed before any usage. */
  release(reservationId: string): Promise<void>;
  /** Returns the spend in the sliding window that ends at `now`, including reservations. */
  usage(counter: QuotaCounter, now: number): Promise<QuotaAmounts>;
  /** Lists the axis values that have spend in the window ending at `now`. */
  values(axis: QuotaAxis, window: QuotaWindow, now: number): Promise<string[]>;
  /** Lists recorded soft-limit alerts, newest first. */
  alerts(limit: number): Promise<QuotaAlert[]>;
}

export function counterOf(charge: QuotaCharge): QuotaCounter {
  return { axis: charge.rule.axis, value: charge.value, window: charge.rule.window };
}
