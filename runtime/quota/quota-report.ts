import type { QuotaAxis, QuotaRule, QuotaWindow } from "./config-schema.ts";
import type { QuotaAlert, QuotaAmounts, QuotaStore } from "./quota-store.ts";

/** Usage of one rule for one axis value, for `nexus quota show`. */
export interface QuotaUsageRow {
  axis: QuotaAxis;
  match: string;
  value: string;
  window: QuotaWindow;
  mode: QuotaRule["mode"];
  limit: Partial<QuotaAmounts>;
  /**
   * Spend in the sliding window as the store reports it. The gateway's own store includes
   * estimates of requests in flight, but a store loaded from SQLite (the CLI's) has none.
   */
  used: QuotaAmounts;
  /** Limit minus spend, never below 0, for each unit the rule limits. */
  remaining: Partial<QuotaAmounts>;
}

export interface QuotaReport {
  usage: QuotaUsageRow[];
  alerts: QuotaAlert[];
}

/**
 * Reads usage for each rule, optionally only of one axis. A `*` rule gets a row for each
 * value with spend in its window.
 */
export async function buildQuotaReport(
  store: QuotaStore,
  rules: readonly QuotaRule[],
  options: { axis?: QuotaAxis; now: number; alertLimit: number },
): Promise<QuotaReport> {
  const usage: QuotaUsageRow[] = [];
  for (const rule of rules) {
    if (options.axis !== undefined && rule.axis !== options.axis) continue;
    const values = rule.match === "*"
      ? await store.values(rule.axis, rule.window, options.now)
      : [rule.match];
    for (const value of values) {
      const used = await store.usage({ axis: rule.axis, value, window: rule.window },
        options.now);
      usage.push({ axis: rule.axis, match: rule.match, value, window: rule.window,
        mode: rule.mode, limit: rule.limit, used, remaining: remainingOf(rule, used) });
    }
  }

  const alerts = (await store.alerts(options.alertLimit))
    .filter((alert) => options.axis === undefined || alert.axis === options.axis);
  return { usage, alerts };
}

function remainingOf(rule: QuotaRule, used: QuotaAmounts): Partial<QuotaAmounts> {
  const remaining: Partial<QuotaAmounts> = {};
  if (rule.limit.tokens !== undefined) {
    remaining.tokens = Math.max(0, rule.limit.tokens - used.tokens);
  }
  if (rule.limit.usd !== undefined) remaining.usd = Math.max(0, rule.limit.usd - used.usd);
  return remaining;
}
