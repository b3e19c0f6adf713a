import type { TrafficEvent } from "../audit/traffic-event.ts";
import { describeError, type Logger } from "../observability/log.ts";
import { type SiemRecord, trafficRecord } from "./record.ts";
import type { SinkWorker } from "./sink-worker.ts";

/**
 * Fans records out to every configured SIEM sink, each with its own disk queue and worker, so
 * one slow or failed SIEM does not hold back another. `forward` only appends to the queues and
 * returns; sending happens on the workers' own schedule.
 */
export class SiemForwarder {
  readonly #workers: readonly SinkWorker[];
  readonly #kinds: ReadonlySet<string> | null;
  readonly #logger: Logger;
  readonly #flushOnStopMs: number;

  constructor(workers: readonly SinkWorker[], options: {
    kinds?: readonly string[];
    /** Default bound of `stop`, in ms. */
    flushOnStopMs: number;
  }, logger: Logger) {
    this.#workers = workers;
    this.#kinds = options.kinds === undefined ? null : new Set(options.kinds);
    this.#flushOnStopMs = options.flushOnStopMs;
    this.#logger = logger;
  }

  /** Queues records of any kind (hook verdicts, control changes …) for every sink. */
  forward(records: readonly SiemRecord[]): void {
    const chosen = this.#kinds === null
      ? records
      : records.filter((record) => this.#kinds?.has(record.kind));
    for (const worker of this.#workers) {
      try {
        worker.enqueue(chosen);
      } catch (error) {
        this.#logger.log("error", "siem.enqueue_failed", {
          sink: worker.name,
          records: chosen.length,
          error: describeError(error),
        });
      }
    }
  }

  /** Queues stored traffic events; the EventWriter calls it after each write. */
  forwardTraffic(events: readonly TrafficEvent[]): void {
    this.forward(events.map(trafficRecord));
  }

  /** Sends what every sink can within `timeoutMs`; the rest stays queued for the next boot. */
  async stop(timeoutMs = this.#flushOnStopMs): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.stop(timeoutMs)));
  }
}
