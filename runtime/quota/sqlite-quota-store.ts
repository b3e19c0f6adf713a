import type { Database } from "bun:sqlite";
import { describeError, type Logger } from "../observability/log.ts";
import type { QuotaAxis, QuotaWindow } from "./config-schema.ts";
import { findOverLimit } from "./over-limit.ts";
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
import { SpendLedger } from "./spend-ledger.ts";
import { alertKey, SqliteSpendWriter } from "./sqlite-spend-writer.ts";
import { bucketStart, WINDOW_MS } from "./windows.ts";

/**
 * How long settled spend may wait in memory before it is written, in ms. It bounds what a
 * crash loses and how far `nexus quota show`, a separate process, lags behind the gateway.
 */
export const DEFAULT_FLUSH_INTERVAL_MS = 100;
/** How often the ledger drops buckets that have left their window, in ms. */
const PRUNE_INTERVAL_MS = 60_000;
/** Minimum time between two log lines about the same repeated condition, in ms. */
const REPEAT_LOG_INTERVAL_MS = 60_000;
const UNITS: readonly QuotaUnit[] = ["tokens", "usd"];

interface Reservation {
  charges: QuotaCharge[];
  counters: QuotaCounter[];
  /** The bucket of each counter that contains the estimate, in `counters` order. */
  buckets: number[];
  estimate: QuotaAmounts;
}

export interface SqliteQuotaStoreOptions {
  flushIntervalMs?: number;
  logger?: Logger;
}

/**
 * Quota counters of the embedded mode, where one gateway process owns the data dir. The
 * counters live in memory and are the authority for admission. Every reserve, settle and
 * release updates them at once, so there is no batch lag. A check and its add run without
 * an await in between, so concurrent requests cannot both take the last room.
 * Settled spend and alerts are written to SQLite behind the requests, in one transaction
 * per flush interval and at `close`. The counters are read back from SQLite at boot, so a
 * restart keeps a month's spend. Reservations in flight are never written: they end with
 * the process, like the requests they belong to.
 *
 * NOTE: a crash loses the spend settled in the last flush interval. Two gateway processes
 * on one data dir each admit against their own memory. A flush that finds spend it did not
 * write logs `quota.store_shared` and adopts it, so each process counts the other's spend
 * one flush later, but only in the buckets it writes itself. Several gateways need a shared
 * counter backend.
 */
export class SqliteQuotaStore implements QuotaStore {
  readonly #writer: SqliteSpendWriter;
  readonly #ledger = new SpendLedger();
  readonly #reservations = new Map<string, Reservation>();
  /** Time of the newest alert per counter, unit and limit, for "once per window". */
  readonly #alertTimes: Map<string, number>;
  readonly #flushIntervalMs: number;
  readonly #logger: Logger | undefined;
  /**
   * The newest `now` a caller passed, the clock of flushes and pruning, so a store driven
   * by another clock (a test's) never prunes by the wall clock.
   */
  #latestNow = -Infinity;
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  #lastPrune = -Infinity;
  #lastSharedWarning = -Infinity;
  #lastFailureLog = -Infinity;
  #flushFailures = 0;
  #closed = false;

  constructor(db: Database, options: SqliteQuotaStoreOptions = {}) {
    this.#writer = new SqliteSpendWriter(db);
    this.#flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.#logger = options.logger;
    this.#writer.load(this.#ledger);
    this.#alertTimes = this.#writer.loadAlertTimes();
  }

  reserve(charges: QuotaCharge[], estimate: QuotaAmounts, now: number): Promise<ReserveResult> {
    this.#latestNow = Math.max(this.#latestNow, now);
    this.#pruneLedger(now);
    const exceeded = this.#firstExceeded(charges, estimate, now);
    if (exceeded !== null) return Promise.resolve({ ok: false, exceeded });

    const counters = distinctCounters(charges);
    const buckets = counters.map((counter) => bucketStart(counter.window, now));
    counters.forEach((counter, i) => this.#ledger.add(counter, buckets[i]!, estimate, 1, false));
    const reservationId = crypto.randomUUID();
    this.#reservations.set(reservationId, { charges, counters, buckets, estimate });
    return Promise.resolve({ ok: true, reservationId });
  }

  settle(reservationId: string, actual: QuotaAmounts, now: number): Promise<QuotaAlert[]> {
    const reservation = this.#take(reservationId);
    if (reservation === null) return Promise.resolve([]);
    this.#latestNow = Math.max(this.#latestNow, now);

    reservation.counters.forEach((counter) => {
      const bucket = bucketStart(counter.window, now);
      this.#ledger.add(counter, bucket, actual, 1, true);
      this.#writer.addSpend(counter, bucket, actual);
    });
    const alerts = this.#raiseAlerts(reservation.charges, now);
    this.#scheduleFlush();
    return Promise.resolve(alerts);
  }

  release(reservationId: string): Promise<void> {
    this.#take(reservationId);
    return Promise.resolve();
  }

  usage(counter: QuotaCounter, now: number): Promise<QuotaAmounts> {
    return Promise.resolve(this.#ledger.usage(counter, now));
  }

  values(axis: QuotaAxis, window: QuotaWindow, now: number): Promise<string[]> {
    return Promise.resolve(this.#ledger.values(axis, window, now));
  }

  alerts(limit: number): Promise<QuotaAlert[]> {
    const pending = this.#writer.pendingAlerts.slice(0, limit);
    const stored = this.#writer.storedAlerts(limit - pending.length);
    return Promise.resolve([...pending, ...stored]);
  }

  /**
   * Writes pending spend and alerts now. Returns false, keeping them for the next attempt,
   * when SQLite fails, for example because another process holds the write lock too long.
   */
  flush(): boolean {
    this.#cancelFlush();
    if (!this.#writer.pending) return true;
    const now = this.#latestNow;
    try {
      const result = this.#writer.flush(this.#ledger, now);
      if (result.foreignBuckets > 0) this.#warnShared(result.foreignBuckets, now);
    } catch (error) {
      this.#flushFailures += 1;
      if (now - this.#lastFailureLog >= REPEAT_LOG_INTERVAL_MS) {
        this.#lastFailureLog = now;
        this.#logger?.log("error", "quota.flush_failed", { error: describeError(error),
          consecutive_failures: this.#flushFailures });
      }
      this.#scheduleFlush();
      return false;
    }
    this.#flushFailures = 0;
    return true;
  }

  /** Writes what is pending and stops the flush timer. Spend settled later stays unwritten. */
  close(): void {
    this.#closed = true;
    if (!this.flush()) {
      this.#logger?.log("error", "quota.unwritten_at_close", {
        message: "quota spend settled since the last successful flush was not written, so " +
          "the next boot does not count it",
      });
    }
    this.#cancelFlush();
  }

  /** Drops buckets that have left their window, at most once per interval. */
  #pruneLedger(now: number): void {
    if (now - this.#lastPrune < PRUNE_INTERVAL_MS) return;
    this.#lastPrune = now;
    this.#ledger.prune(now);
  }

  /** Removes a reservation and takes its estimate back from the counters. */
  #take(reservationId: string): Reservation | null {
    const reservation = this.#reservations.get(reservationId);
    if (reservation === undefined) return null;
    this.#reservations.delete(reservationId);
    reservation.counters.forEach((counter, i) => {
      this.#ledger.add(counter, reservation.buckets[i]!, reservation.estimate, -1, false);
    });
    return reservation;
  }

  #firstExceeded(
    charges: QuotaCharge[],
    estimate: QuotaAmounts,
    now: number,
  ): QuotaExceeded | null {
    for (const charge of charges) {
      if (charge.rule.mode !== "hard") continue;
      const rows = this.#ledger.rows(counterOf(charge), now);
      const exceeded = findOverLimit(charge, rows, estimate);
      if (exceeded !== null) return exceeded;
    }
    return null;
  }

  /**
   * Raises an alert for each soft charge whose settled spend is over its limit and that has
   * none in its window. Estimates in flight are left out, because they are only a guess.
   */
  #raiseAlerts(charges: QuotaCharge[], now: number): QuotaAlert[] {
    const raised: QuotaAlert[] = [];
    for (const charge of charges) {
      if (charge.rule.mode !== "soft") continue;
      const counter = counterOf(charge);
      const used = this.#ledger.settledUsage(counter, now);
      for (const unit of UNITS) {
        const limit = charge.rule.limit[unit];
        if (limit === undefined || used[unit] <= limit) continue;
        const key = alertKey(counter, unit, limit);
        const last = this.#alertTimes.get(key);
        if (last !== undefined && last > now - WINDOW_MS[counter.window]) continue;

        const alert: QuotaAlert = { time: now, ...counter, match: charge.rule.match, unit,
          limit, used: used[unit] };
        this.#alertTimes.set(key, now);
        this.#writer.addAlert(alert);
        raised.push(alert);
      }
    }
    return raised;
  }

  #scheduleFlush(): void {
    if (this.#closed || this.#flushTimer !== null) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = null;
      this.flush();
    }, this.#flushIntervalMs);
    // Pending spend must not keep a process alive, because a clean stop flushes in `close`.
    this.#flushTimer.unref();
  }

  #cancelFlush(): void {
    if (this.#flushTimer === null) return;
    clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
  }

  #warnShared(buckets: number, now: number): void {
    if (now - this.#lastSharedWarning < REPEAT_LOG_INTERVAL_MS) return;
    this.#lastSharedWarning = now;
    this.#logger?.log("warn", "quota.store_shared", {
      buckets,
      message: "another process writes the quota counters of this data dir, so each process " +
        "enforces budgets on its own and merges stored spend at each flush; run one gateway " +
        "process per data dir",
    });
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
