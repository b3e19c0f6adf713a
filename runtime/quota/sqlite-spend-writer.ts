import type { Database } from "bun:sqlite";
import type { QuotaWindow } from "./config-schema.ts";
import type { QuotaAlert, QuotaAmounts, QuotaCounter } from "./quota-store.ts";
import { counterKey, type SpendLedger } from "./spend-ledger.ts";
import { oldestBucketInWindow, WINDOW_MS } from "./windows.ts";

/** How often a flush deletes buckets that no window can count any more, in ms. */
const PRUNE_INTERVAL_MS = 60_000;
const WINDOWS = Object.keys(WINDOW_MS) as QuotaWindow[];

interface PendingSpend {
  counter: QuotaCounter;
  bucket: number;
  amounts: QuotaAmounts;
}

/** A bucket's value in SQLite after a flush added the pending spend to it. */
interface StoredBucket {
  pending: PendingSpend;
  stored: QuotaAmounts;
}

/** Counts from one flush. */
export interface FlushResult {
  buckets: number;
  alerts: number;
  /** Buckets whose stored value showed spend that this process did not write. */
  foreignBuckets: number;
}

/**
 * Settled spend and soft-limit alerts waiting to be written to SQLite, and the reads that
 * fill a `SpendLedger` at boot. Spend is written as a delta added to the stored bucket, so
 * another process that writes the same bucket adds to it rather than overwriting it.
 */
export class SqliteSpendWriter {
  readonly #db: Database;
  #spend = new Map<string, PendingSpend>();
  #alerts: QuotaAlert[] = [];
  #lastPrune = 0;

  constructor(db: Database) {
    this.#db = db;
  }

  get pending(): boolean {
    return this.#spend.size > 0 || this.#alerts.length > 0;
  }

  /** Alerts not yet written, newest first. */
  get pendingAlerts(): QuotaAlert[] {
    return [...this.#alerts].reverse();
  }

  addSpend(counter: QuotaCounter, bucket: number, amounts: QuotaAmounts): void {
    const key = `${counterKey(counter)}\u0000${bucket}`;
    const pending = this.#spend.get(key);
    if (pending === undefined) {
      this.#spend.set(key, { counter, bucket, amounts: { ...amounts } });
      return;
    }
    pending.amounts.tokens += amounts.tokens;
    pending.amounts.usd += amounts.usd;
  }

  addAlert(alert: QuotaAlert): void {
    this.#alerts.push(alert);
  }

  /**
   * Writes everything pending in one IMMEDIATE transaction, then makes the ledger's settled
   * spend equal to the stored values. On an error nothing is written and everything stays
   * pending for the next flush.
   */
  flush(ledger: SpendLedger, now: number): FlushResult {
    const spend = [...this.#spend.values()];
    const alerts = this.#alerts;
    const run = this.#db.transaction((): StoredBucket[] => {
      const stored = spend.map((pending) => ({ pending, stored: this.#addToRow(pending) }));
      for (const alert of alerts) this.#insertAlert(alert);
      this.#prune(now);
      return stored;
    });
    const written = run.immediate();

    this.#spend = new Map();
    this.#alerts = [];
    let foreignBuckets = 0;
    for (const { pending, stored } of written) {
      if (!ledger.reconcile(pending.counter, pending.bucket, stored)) foreignBuckets += 1;
    }
    return { buckets: written.length, alerts: alerts.length, foreignBuckets };
  }

  /**
   * Fills the ledger with every stored bucket. Flushes delete the buckets that have left
   * their window, and the ledger counts only buckets inside the window of each read.
   */
  load(ledger: SpendLedger): void {
    const rows = this.#db.query(
      "SELECT axis, value, window, bucket, tokens, usd FROM quota_buckets ORDER BY bucket",
    ).all() as (QuotaAmounts & QuotaCounter & { bucket: number })[];
    for (const row of rows) {
      const counter = { axis: row.axis, value: row.value, window: row.window };
      ledger.add(counter, row.bucket, row, 1, true);
    }
  }

  /** Reads the newest stored alert time per counter, unit and limit. */
  loadAlertTimes(): Map<string, number> {
    const rows = this.#db.query(
      `SELECT axis, value, window, unit, limit_amount AS "limit", MAX(time) AS time
       FROM quota_alerts GROUP BY axis, value, window, unit, limit_amount`,
    ).all() as Omit<QuotaAlert, "match" | "used">[];
    return new Map(rows.map((row) => [alertKey(row, row.unit, row.limit), row.time]));
  }

  /** Lists stored alerts, newest first. */
  storedAlerts(limit: number): QuotaAlert[] {
    return this.#db.query(
      `SELECT time, axis, match, value, window, unit, limit_amount AS "limit", used
       FROM quota_alerts ORDER BY time DESC, id DESC LIMIT ?`,
    ).all(limit) as QuotaAlert[];
  }

  #addToRow({ counter, bucket, amounts }: PendingSpend): QuotaAmounts {
    return this.#db.query(
      `INSERT INTO quota_buckets (axis, value, window, bucket, tokens, usd)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (axis, value, window, bucket) DO UPDATE
       SET tokens = tokens + excluded.tokens, usd = usd + excluded.usd
       RETURNING tokens, usd`,
    ).get(counter.axis, counter.value, counter.window, bucket, amounts.tokens,
      amounts.usd) as QuotaAmounts;
  }

  #insertAlert(alert: QuotaAlert): void {
    this.#db.query(
      `INSERT INTO quota_alerts (time, axis, match, value, window, unit, limit_amount, used)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(alert.time, alert.axis, alert.match, alert.value, alert.window, alert.unit,
      alert.limit, alert.used);
  }

  /** Deletes buckets that have left every window, at most once per interval. */
  #prune(now: number): void {
    if (now - this.#lastPrune < PRUNE_INTERVAL_MS) return;
    this.#lastPrune = now;
    const query = this.#db.query("DELETE FROM quota_buckets WHERE window = ? AND bucket < ?");
    for (const window of WINDOWS) query.run(window, oldestBucketInWindow(window, now));
  }
}

/** Returns one string per counter, unit and limit, the scope of "once per window". */
export function alertKey(counter: QuotaCounter, unit: string, limit: number): string {
  return `${counterKey(counter)}\u0000${unit}\u0000${limit}`;
}
