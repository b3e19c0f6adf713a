import type { Database } from "bun:sqlite";
import type { QuotaAxis, QuotaWindow } from "./config-schema.ts";
import {
  counterOf,
  type QuotaAlert,
  type QuotaAmounts,
  type QuotaCharge,
  type QuotaCounter,
  type QuotaExceeded,
  type QuotaStore,
  type QuotaUnit,
  type ReserveResult,
} from "./quota-store.ts";
import { findOverLimit } from "./over-limit.ts";
import { bucketStart, oldestBucketInWindow, WINDOW_MS } from "./windows.ts";

/** How often reserve deletes buckets that no window can count any more, in ms. */
const PRUNE_INTERVAL_MS = 60_000;
const UNITS: readonly QuotaUnit[] = ["tokens", "usd"];

interface Reservation {
  charges: QuotaCharge[];
  counters: QuotaCounter[];
  /** The bucket of each counter that contains the estimate, in `counters` order. */
  buckets: number[];
  estimate: QuotaAmounts;
}

interface BucketRow {
  bucket: number;
  tokens: number;
  usd: number;
}

/**
 * Quota counters in the embedded SQLite store, so a restart keeps a month's spend. Each
 * reserve and settle runs in one IMMEDIATE transaction, which also excludes a CLI or a
 * second gateway process writing the same file.
 *
 * NOTE: reservations are kept in this process's memory. A gateway that stops without
 * finishing its requests leaves their estimates counted until those buckets leave the window.
 */
export class SqliteQuotaStore implements QuotaStore {
  readonly #db: Database;
  readonly #reservations = new Map<string, Reservation>();
  #lastPrune = 0;

  constructor(db: Database) {
    this.#db = db;
  }

  reserve(charges: QuotaCharge[], estimate: QuotaAmounts, now: number): Promise<ReserveResult> {
    const run = this.#db.transaction((): ReserveResult => {
      this.#prune(now);
      const exceeded = this.#firstExceeded(charges, estimate, now);
      if (exceeded !== null) return { ok: false, exceeded };

      const counters = distinctCounters(charges);
      const buckets = counters.map((counter) => bucketStart(counter.window, now));
      counters.forEach((counter, i) => this.#add(counter, buckets[i]!, estimate, 1));
      const reservationId = crypto.randomUUID();
      this.#reservations.set(reservationId, { charges, counters, buckets, estimate });
      return { ok: true, reservationId };
    });
    return Promise.resolve(run.immediate());
  }

  settle(reservationId: string, actual: QuotaAmounts, now: number): Promise<QuotaAlert[]> {
    const reservation = this.#reservations.get(reservationId);
    if (reservation === undefined) return Promise.resolve([]);
    this.#reservations.delete(reservationId);

    const run = this.#db.transaction((): QuotaAlert[] => {
      reservation.counters.forEach((counter, i) => {
        this.#add(counter, reservation.buckets[i]!, reservation.estimate, -1);
        this.#add(counter, bucketStart(counter.window, now), actual, 1);
      });
      return this.#raiseAlerts(reservation.charges, now);
    });
    return Promise.resolve(run.immediate());
  }

  release(reservationId: string): Promise<void> {
    const reservation = this.#reservations.get(reservationId);
    if (reservation === undefined) return Promise.resolve();
    this.#reservations.delete(reservationId);

    const run = this.#db.transaction(() => {
      reservation.counters.forEach((counter, i) => {
        this.#add(counter, reservation.buckets[i]!, reservation.estimate, -1);
      });
    });
    run.immediate();
    return Promise.resolve();
  }

  usage(counter: QuotaCounter, now: number): Promise<QuotaAmounts> {
    return Promise.resolve(this.#usageNow(counter, now));
  }

  values(axis: QuotaAxis, window: QuotaWindow, now: number): Promise<string[]> {
    const rows = this.#db.query(
      `SELECT DISTINCT value FROM quota_buckets
       WHERE axis = ? AND window = ? AND bucket >= ? ORDER BY value`,
    ).all(axis, window, oldestBucketInWindow(window, now)) as { value: string }[];
    return Promise.resolve(rows.map((row) => row.value));
  }

  alerts(limit: number): Promise<QuotaAlert[]> {
    const rows = this.#db.query(
      `SELECT time, axis, match, value, window, unit, limit_amount AS "limit", used
       FROM quota_alerts ORDER BY time DESC, id DESC LIMIT ?`,
    ).all(limit) as QuotaAlert[];
    return Promise.resolve(rows);
  }

  #firstExceeded(
    charges: QuotaCharge[],
    estimate: QuotaAmounts,
    now: number,
  ): QuotaExceeded | null {
    for (const charge of charges) {
      if (charge.rule.mode !== "hard") continue;
      const rows = this.#rows(counterOf(charge), now);
      const exceeded = findOverLimit(charge, rows, estimate);
      if (exceeded !== null) return exceeded;
    }
    return null;
  }

  /** Records an alert for each soft charge over its limit that has none in its window. */
  #raiseAlerts(charges: QuotaCharge[], now: number): QuotaAlert[] {
    const raised: QuotaAlert[] = [];
    for (const charge of charges) {
      if (charge.rule.mode !== "soft") continue;
      const counter = counterOf(charge);
      const used = this.#usageNow(counter, now);
      for (const unit of UNITS) {
        const limit = charge.rule.limit[unit];
        if (limit === undefined || used[unit] <= limit) continue;
        if (this.#alertedWithin(counter, unit, limit, now)) continue;
        const alert: QuotaAlert = { time: now, ...counter, match: charge.rule.match, unit,
          limit, used: used[unit] };
        this.#db.query(
          `INSERT INTO quota_alerts (time, axis, match, value, window, unit, limit_amount, used)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(now, alert.axis, alert.match, alert.value, alert.window, unit, limit, alert.used);
        raised.push(alert);
      }
    }
    return raised;
  }

  #alertedWithin(counter: QuotaCounter, unit: QuotaUnit, limit: number, now: number): boolean {
    const row = this.#db.query(
      `SELECT 1 FROM quota_alerts WHERE axis = ? AND value = ? AND window = ? AND unit = ?
       AND limit_amount = ? AND time > ? LIMIT 1`,
    ).get(counter.axis, counter.value, counter.window, unit, limit,
      now - WINDOW_MS[counter.window]);
    return row !== null;
  }

  #usageNow(counter: QuotaCounter, now: number): QuotaAmounts {
    const used: QuotaAmounts = { tokens: 0, usd: 0 };
    for (const row of this.#rows(counter, now)) {
      used.tokens += row.tokens;
      used.usd += row.usd;
    }
    return used;
  }

  /** Returns the counter's buckets that overlap the window ending at `now`, oldest first. */
  #rows(counter: QuotaCounter, now: number): BucketRow[] {
    return this.#db.query(
      `SELECT bucket, tokens, usd FROM quota_buckets
       WHERE axis = ? AND value = ? AND window = ? AND bucket >= ? ORDER BY bucket`,
    ).all(counter.axis, counter.value, counter.window,
      oldestBucketInWindow(counter.window, now)) as BucketRow[];
  }

  #add(counter: QuotaCounter, bucket: number, amounts: QuotaAmounts, sign: 1 | -1): void {
    this.#db.query(
      `INSERT INTO quota_buckets (axis, value, window, bucket, tokens, usd)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (axis, value, window, bucket) DO UPDATE
       SET tokens = tokens + excluded.tokens, usd = usd + excluded.usd`,
    ).run(counter.axis, counter.value, counter.window, bucket, sign * amounts.tokens,
      sign * amounts.usd);
  }

  /** Deletes buckets that have left every window, at most once per interval. */
  #prune(now: number): void {
    if (now - this.#lastPrune < PRUNE_INTERVAL_MS) return;
    this.#lastPrune = now;
    for (const window of Object.keys(WINDOW_MS) as QuotaWindow[]) {
      this.#db.query("DELETE FROM quota_buckets WHERE window = ? AND bucket < ?")
        .run(window, oldestBucketInWindow(window, now));
    }
  }
}

/** Returns each counter once, so rules that share a counter add the spend only once. */
function distinctCounters(charges: QuotaCharge[]): QuotaCounter[] {
  const byName = new Map<string, QuotaCounter>();
  for (const charge of charges) {
    const counter = counterOf(charge);
    byName.set(JSON.stringify([counter.axis, counter.value, counter.window]), counter);
  }
  return [...byName.values()];
}
