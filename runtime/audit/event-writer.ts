import type { GatewayMetrics } from "../observability/metrics.ts";
import { describeError, type Logger } from "../observability/log.ts";
import type { AuditSink } from "./audit-sink.ts";
import type { EventStore, TrafficEvent } from "./traffic-event.ts";

export interface EventWriterOptions {
  /** Maximum time an event waits in memory before its batch is written, in milliseconds. */
  flushIntervalMs?: number;
  /** A batch of this many events is written at once without waiting for the interval. */
  maxBatch?: number;
  /** Events kept in memory while the store is locked; past this the oldest are dropped. */
  maxPending?: number;
  /**
   * Called with each batch after it is stored (e.g. to queue it for a SIEM). It runs on the
   * flush, not on the request path; what it throws is logged and does not undo the write.
   */
  onStored?: (events: readonly TrafficEvent[]) => void;
}

/** SQLite reports a lock held by another process (e.g. a CLI) with these codes. */
const LOCKED_CODES = new Set(["SQLITE_BUSY", "SQLITE_LOCKED"]);

/**
 * Failures of a network store after which the same batch may succeed: the `postgres` client's
 * connection errors, and PostgreSQL's SQLSTATEs for a server shutting down or starting
 * (57P01, 57P03), too many connections (53300), serialization failure (40001) and deadlock
 * (40P01). Class 08 (connection exception) is matched by its prefix.
 */
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT", "57P01", "57P03", "53300", "40001", "40P01",
]);

/** Reports whether the store is only unavailable for now, so the batch should stay queued. */
function isLocked(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return false;
  if (LOCKED_CODES.has(code.split("_").slice(0, 2).join("_"))) return true;
  return TRANSIENT_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code);
}

/**
 * Batches traffic events into one transaction per flush, because one row per transaction
 * costs ~25× more in SQLite. While the store is locked, or a network store is unreachable, the
 * batch stays queued and is retried on the next flush. Any other failure is retried row by
 * row, so one bad event cannot take its neighbours with it. Every event that is not written
 * is logged with its request id and counted in `nexus_audit_write_failures_total`.
 */
export class EventWriter implements AuditSink {
  readonly #store: EventStore;
  readonly #logger: Logger;
  readonly #metrics: GatewayMetrics;
  readonly #flushIntervalMs: number;
  readonly #maxBatch: number;
  readonly #maxPending: number;
  readonly #onStored: ((events: readonly TrafficEvent[]) => void) | undefined;
  #pending: TrafficEvent[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  #locked = false;
  /** The flush in progress, so that a second call joins it instead of racing it. */
  #flushing: Promise<void> | null = null;

  constructor(store: EventStore, logger: Logger, metrics: GatewayMetrics,
    options: EventWriterOptions = {}) {
    this.#store = store;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#flushIntervalMs = options.flushIntervalMs ?? 20;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#maxPending = options.maxPending ?? 100_000;
    this.#onStored = options.onStored;
  }

  write(event: TrafficEvent): void {
    if (this.#closed) {
      this.#fail(event, "the event store is closed");
      return;
    }
    this.#pending.push(event);
    if (this.#pending.length > this.#maxPending) {
      const dropped = this.#pending.shift() as TrafficEvent;
      this.#fail(dropped, "too many events queued while the store was unavailable");
    }
    if (this.#pending.length >= this.#maxBatch) void this.flush();
    else this.#schedule();
  }

  /**
   * Writes everything pending now; called on the timer and at shutdown. Resolves once the
   * events pending at the call are written, failed, or left queued because the store is locked.
   * It never rejects.
   */
  flush(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#flushing !== null) {
      // Events queued after the running flush passed its last check need one more pass.
      return this.#flushing.then(() => (this.#pending.length > 0 ? this.flush() : undefined));
    }
    this.#flushing = this.#drain().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.slice(0, this.#maxBatch);
      try {
        this.#metrics.auditEventsWritten.inc(await this.#store.insertBatch(batch));
        this.#pending.splice(0, batch.length);
        this.#notifyStored(batch);
        if (this.#locked) {
          this.#locked = false;
          this.#logger.log("info", "audit.store_unlocked", { queued: this.#pending.length });
        }
      } catch (error) {
        if (isLocked(error) && !this.#closed) {
          // One line per lock episode, not one per retry every few milliseconds.
          if (!this.#locked) {
            this.#logger.log("warn", "audit.store_locked", {
              queued: this.#pending.length,
              error: describeError(error),
            });
          }
          this.#locked = true;
          this.#schedule();
          return;
        }
        this.#pending.splice(0, batch.length);
        this.#logger.log("warn", "audit.batch_failed", {
          events: batch.length,
          error: describeError(error),
        });
        for (const event of batch) await this.#writeOne(event);
      }
    }
  }

  /** Writes what is pending and rejects later events; call before closing the store. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    for (const event of this.#pending.splice(0)) this.#fail(event, "the event store is locked");
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, this.#flushIntervalMs);
  }

  async #writeOne(event: TrafficEvent): Promise<void> {
    try {
      this.#metrics.auditEventsWritten.inc(await this.#store.insertBatch([event]));
    } catch (error) {
      this.#fail(event, describeError(error));
      return;
    }
    this.#notifyStored([event]);
  }

  #notifyStored(events: readonly TrafficEvent[]): void {
    if (this.#onStored === undefined) return;
    try {
      this.#onStored(events);
    } catch (error) {
      this.#logger.log("error", "audit.listener_failed", {
        events: events.length,
        error: describeError(error),
      });
    }
  }

  #fail(event: TrafficEvent, reason: string): void {
    this.#metrics.auditWriteFailures.inc();
    this.#logger.log("error", "audit.write_failed", {
      request_id: event.requestId,
      error: reason,
    });
  }
}
