import { describeError, type Logger } from "../observability/log.ts";
import { backoffDelay } from "./backoff.ts";
import { DeliveryError } from "./delivery-error.ts";
import type { DiskQueue, QueueBatch } from "./disk-queue.ts";
import type { SiemMetrics } from "./metrics.ts";
import type { SiemRecord } from "./record.ts";
import type { Sink } from "./sink.ts";

export interface WorkerOptions {
  batchMaxRecords: number;
  batchMaxWaitMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Maximum wait for one send, in ms. */
  timeoutMs: number;
}

/**
 * Moves records from one sink's disk queue to the sink. A batch leaves once it has
 * `batchMaxRecords` records or its oldest record waited `batchMaxWaitMs`. It is removed from
 * the queue only after the sink accepted it. A failed batch is retried with backoff until it goes
 * through, so delivery is at-least-once: a batch whose acceptance was not seen (a timeout, a
 * crash before the cursor was saved) is sent again.
 */
export class SinkWorker {
  readonly name: string;
  readonly #sink: Sink;
  readonly #queue: DiskQueue;
  readonly #options: WorkerOptions;
  readonly #logger: Logger;
  readonly #metrics: SiemMetrics;
  readonly #abort = new AbortController();
  #running: Promise<void> | null = null;
  /** Ends the current pause; a backoff pause ends only on stop, not on new records. */
  #wake: (() => void) | null = null;
  #pausedForBatch = false;
  /** When the oldest unsent record was queued, in epoch ms; 0 sends at once. */
  #oldestAt = 0;
  #stopping = false;
  #stopped = false;
  #deadline = Number.POSITIVE_INFINITY;
  #halted = false;
  #failing = false;
  /** Records dropped since the queue became full, for the line that ends the episode. */
  #overflowDropped = 0;

  constructor(name: string, sink: Sink, queue: DiskQueue, options: WorkerOptions,
    logger: Logger, metrics: SiemMetrics) {
    this.name = name;
    this.#sink = sink;
    this.#queue = queue;
    this.#options = options;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#updateGauges();

    if (queue.tornBytes > 0) {
      this.#metrics.dropped.inc({ sink: name, reason: "corrupt" });
      this.#logger.log("warn", "siem.queue_repaired", {
        sink: name,
        torn_bytes: queue.tornBytes,
        error: "the last queued record was cut short by a crash and is dropped",
      });
    }
    if (queue.pendingRecords > 0) {
      this.#logger.log("info", "siem.queue_replay", {
        sink: name,
        records: queue.pendingRecords,
        bytes: queue.pendingBytes,
      });
      this.#kick();
    }
  }

  /** Appends records to the queue. A failed append is logged and counted as dropped. */
  enqueue(records: readonly SiemRecord[]): void {
    if (records.length === 0) return;
    if (this.#stopped) {
      this.#drop(records.length, "stopped", "the SIEM forwarder is stopped");
      return;
    }
    const wasEmpty = this.#queue.pendingRecords === 0;

    let result;
    try {
      result = this.#queue.append(records);
    } catch (error) {
      this.#drop(records.length, "queue_error", describeError(error));
      return;
    }
    this.#noteOverflow(result.dropped);
    if (wasEmpty && result.accepted > 0) this.#oldestAt = Date.now();
    this.#updateGauges();

    const full = this.#queue.pendingRecords >= this.#options.batchMaxRecords;
    if (full && this.#pausedForBatch) this.#wake?.();
    this.#kick();
  }

  /**
   * Sends what it can within `timeoutMs`, then closes the sink and the queue. Records not sent
   * stay on disk and are sent after the next start.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    this.#deadline = Date.now() + timeoutMs;
    this.#kick();
    this.#wake?.();

    const running = this.#running;
    if (running !== null) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([running, new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      })]);
      clearTimeout(timer);
    }
    this.#abort.abort();
    this.#wake?.();
    await this.#running;
    this.#stopped = true;

    if (this.#overflowDropped > 0) this.#endOverflow();
    this.#logger.log("info", "siem.stopped", {
      sink: this.name,
      queued_records: this.#queue.pendingRecords,
    });
    await this.#sink.close();
    this.#queue.close();
  }

  #kick(): void {
    if (this.#running !== null || this.#halted || this.#stopped) return;
    if (this.#queue.pendingRecords === 0) return;
    this.#running = this.#drain()
      .catch((error: unknown) => {
        // A queue read or cursor write failed; the next enqueue or restart tries again.
        this.#logger.log("error", "siem.worker_failed", {
          sink: this.name,
          queued_records: this.#queue.pendingRecords,
          error: describeError(error),
        });
      })
      .finally(() => {
        this.#running = null;
      });
  }

  async #drain(): Promise<void> {
    while (!this.#halted && this.#queue.pendingRecords > 0 && !this.#pastDeadline()) {
      await this.#waitForBatch();
      if (this.#pastDeadline()) return;
      const batch = this.#queue.peek(this.#options.batchMaxRecords);
      if (!(await this.#deliver(batch))) return;
    }
  }

  /** Waits until a full batch is queued or the oldest record has waited long enough. */
  async #waitForBatch(): Promise<void> {
    if (this.#stopping) return;
    if (this.#queue.pendingRecords >= this.#options.batchMaxRecords) return;
    const wait = this.#oldestAt + this.#options.batchMaxWaitMs - Date.now();
    if (wait > 0) await this.#pause(wait, true);
  }

  /** Sends one batch until it is accepted; returns false when the worker must stop. */
  async #deliver(batch: QueueBatch): Promise<boolean> {
    for (let attempt = 0; ; attempt += 1) {
      if (batch.records.length === 0) {
        this.#consume(batch);
        return true;
      }
      try {
        const signal = AbortSignal.any([
          AbortSignal.timeout(this.#options.timeoutMs),
          this.#abort.signal,
        ]);
        await this.#sink.send(batch.records, signal);
        this.#metrics.sent.inc({ sink: this.name }, batch.records.length);
        this.#consume(batch);
        if (this.#failing) {
          this.#failing = false;
          this.#logger.log("info", "siem.sink_recovered", { sink: this.name, attempts: attempt });
        }
        return true;
      } catch (error) {
        // An error that is not a DeliveryError is unexpected, so it is retried like a transient
        // one and its retries stay visible in the log rather than dropping the batch.
        const failure = error instanceof DeliveryError
          ? error
          : new DeliveryError(describeError(error), "retry", { cause: error });
        this.#metrics.failures.inc({ sink: this.name, action: failure.action });
        if (failure.action !== "retry") return this.#giveUp(batch, failure);

        const delay = Math.max(
          backoffDelay(attempt, this.#options.retryInitialMs, this.#options.retryMaxMs),
          failure.retryAfterMs ?? 0,
        );
        this.#failing = true;
        this.#logger.log("warn", "siem.send_failed", {
          sink: this.name,
          target: this.#sink.target,
          records: batch.records.length,
          attempt: attempt + 1,
          retry_in_ms: delay,
          error: failure.message,
        });
        if (this.#stopping && Date.now() + delay >= this.#deadline) return false;
        await this.#pause(delay, false);
        if (this.#pastDeadline()) return false;
      }
    }
  }

  /** Drops a batch the receiver rejected, or halts the sink on a configuration error. */
  #giveUp(batch: QueueBatch, failure: DeliveryError): boolean {
    if (failure.action === "drop") {
      this.#consume(batch);
      this.#drop(batch.records.length, "rejected", failure.message);
      return true;
    }
    this.#halted = true;
    this.#logger.log("error", "siem.sink_halted", {
      sink: this.name,
      target: this.#sink.target,
      queued_records: this.#queue.pendingRecords,
      error: `${failure.message}; records stay queued on disk and are sent after a restart`,
    });
    return false;
  }

  #consume(batch: QueueBatch): void {
    this.#queue.commit(batch);
    if (batch.corrupt > 0) {
      this.#drop(batch.corrupt, "corrupt", "queued records could not be parsed");
    }
    this.#oldestAt = this.#queue.pendingRecords > 0 ? this.#oldestAt : 0;
    this.#updateGauges();
  }

  #noteOverflow(dropped: number): void {
    if (dropped === 0) {
      if (this.#overflowDropped > 0) this.#endOverflow();
      return;
    }
    this.#metrics.dropped.inc({ sink: this.name, reason: "queue_full" }, dropped);
    if (this.#overflowDropped === 0) {
      // One line when the queue fills and one when it has room again, not one per record.
      this.#logger.log("error", "siem.queue_full", {
        sink: this.name,
        dropped,
        queued_bytes: this.#queue.pendingBytes,
        error: "the SIEM queue is full; new records are dropped until the sink catches up",
      });
    }
    this.#overflowDropped += dropped;
  }

  #endOverflow(): void {
    this.#logger.log("warn", "siem.queue_full_ended", {
      sink: this.name,
      dropped: this.#overflowDropped,
    });
    this.#overflowDropped = 0;
  }

  #drop(count: number, reason: string, error: string): void {
    this.#metrics.dropped.inc({ sink: this.name, reason }, count);
    this.#logger.log("error", "siem.records_dropped", {
      sink: this.name,
      records: count,
      reason,
      error,
    });
  }

  #pause(ms: number, forBatch: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
      this.#pausedForBatch = forBatch;
    });
  }

  #pastDeadline(): boolean {
    return this.#stopping && Date.now() >= this.#deadline;
  }

  #updateGauges(): void {
    this.#metrics.queuedBytes.set({ sink: this.name }, this.#queue.pendingBytes);
    this.#metrics.queuedRecords.set({ sink: this.name }, this.#queue.pendingRecords);
  }
}
