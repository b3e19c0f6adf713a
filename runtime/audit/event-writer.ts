import type { GatewayMetrics } from "../observability/metrics.ts";
import { describeError, type Logger } from "../observability/log.ts";
import type { EventStore, TrafficEvent } from "./traffic-event.ts";

export interface EventWriterOptions {
  /** Longest an event waits in memory before its batch is written, in milliseconds. */
  flushIntervalMs?: number;
  /** A batch of this many events is written at once without waiting for the interval. */
  maxBatch?: number;
}

/**
 * Batches traffic events into one transaction per flush, because one row per transaction
 * costs ~25× more in SQLite. A batch that fails is retried once row by row, so one bad event
 * cannot take its neighbours with it; every event still not written is logged with its request
 * id and counted in `nexus_audit_write_failures_total`.
 */
export class EventWriter {
  readonly #store: EventStore;
  readonly #logger: Logger;
  readonly #metrics: GatewayMetrics;
  readonly #flushIntervalMs: number;
  readonly #maxBatch: number;
  #pending: TrafficEvent[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(store: EventStore, logger: Logger, metrics: GatewayMetrics,
    options: EventWriterOptions = {}) {
    this.#store = store;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#flushIntervalMs = options.flushIntervalMs ?? 20;
    this.#maxBatch = options.maxBatch ?? 500;
  }

  write(event: TrafficEvent): void {
    this.#pending.push(event);
    if (this.#pending.length >= this.#maxBatch) {
      this.flush();
    } else if (this.#timer === null) {
      this.#timer = setTimeout(() => this.flush(), this.#flushIntervalMs);
    }
  }

  /** Writes everything pending now; called on the timer and at shutdown. */
  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];

    try {
      this.#store.insertBatch(batch);
      this.#metrics.auditEventsWritten.inc(batch.length);
    } catch (batchError) {
      this.#logger.log("warn", "audit.batch_failed", {
        events: batch.length,
        error: describeError(batchError),
      });
      for (const event of batch) this.#writeOne(event);
    }
  }

  #writeOne(event: TrafficEvent): void {
    try {
      this.#store.insertBatch([event]);
      this.#metrics.auditEventsWritten.inc();
    } catch (error) {
      this.#metrics.auditWriteFailures.inc();
      this.#logger.log("error", "audit.write_failed", {
        request_id: event.requestId,
        error: describeError(error),
      });
    }
  }
}
