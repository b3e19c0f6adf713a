import type { Sql } from "postgres";
import type { QuotaAlert } from "../../quota/quota-store.ts";

interface AlertRow {
  time: string;
  axis: QuotaAlert["axis"];
  match: string;
  value: string;
  window: QuotaAlert["window"];
  unit: QuotaAlert["unit"];
  limit_amount: number;
  used: number;
}

/**
 * Soft-limit quota alerts in PostgreSQL's `quota_alerts` table, kept after the counters that
 * raised them expire. The quota counters themselves stay in Valkey or the embedded store.
 */
export class PgQuotaAlertLog {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async record(alerts: readonly QuotaAlert[]): Promise<void> {
    if (alerts.length === 0) return;
    const rows = alerts.map((alert) => ({
      time: alert.time,
      axis: alert.axis,
      match: alert.match,
      value: alert.value,
      window: alert.window,
      unit: alert.unit,
      limit_amount: alert.limit,
      used: alert.used,
    }));
    await this.#sql`INSERT INTO quota_alerts ${this.#sql(rows)}`;
  }

  /** Lists the recorded alerts, newest first. */
  async list(limit: number): Promise<QuotaAlert[]> {
    const rows = await this.#sql<AlertRow[]>`
      SELECT time, axis, match, value, "window", unit, limit_amount, used
      FROM quota_alerts ORDER BY time DESC, id DESC LIMIT ${limit}`;
    return rows.map((row) => ({
      time: Number(row.time),
      axis: row.axis,
      match: row.match,
      value: row.value,
      window: row.window,
      unit: row.unit,
      limit: row.limit_amount,
      used: row.used,
    }));
  }
}
