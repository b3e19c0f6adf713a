import { jetstream, type JetStreamClient, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { AuditSink } from "../audit/audit-sink.ts";
import type { TrafficEvent } from "../audit/traffic-event.ts";
import { describeError, type Logger } from "../observability/log.ts";
import type { GatewayMetrics } from "../observability/metrics.ts";
import { type BusNames, eventSubject } from "./bus-names.ts";
import { encodeEvent } from "./event-codec.ts";
import { ensureEventStreams, type EventStreamLimits } from "./event-streams.ts";
import { isPermanentPublishError, retryDelayMs } from "./publish-retry.ts";

export interface BusEventPublisherOptions {
  /** Publishes awaiting their acknowledgement from JetStream at one time. */
  maxInFlight?: number;
  /** Events kept in memory while NATS is slow or down. Past this the oldest are dropped. */
  maxQueued?: number;
  /** Attempts per event before it is given up (logged and counted). */
  maxAttempts?: number;
  /** Time to wait for one publish acknowledgement, in ms. */
  publishTimeoutMs?: number;
  /** Upper bound of `close`, in ms. Events still unpublished then are logged and counted. */
  closeTimeoutMs?: number;
}

/**
 * Publishes every traffic event to the JetStream event stream with its request id as the
 * message id (`Nats-Msg-Id`), so a republish inside the stream's duplicate window is dropped.
 * `write` only queues: a bounded number of publishes run in the background, failures are
 * retried with exponential backoff, and every event not published is logged with its request
 * id and counted in `nexus_audit_write_failures_total`.
 */
export class BusEventPublisher implements AuditSink {
  readonly #js: JetStreamClient;
  readonly #names: BusNames;
  readonly #logger: Logger;
  readonly #metrics: Pick<GatewayMetrics, "auditWriteFailures">;
  readonly #maxInFlight: number;
  readonly #maxQueued: number;
  readonly #maxAttempts: number;
  readonly #publishTimeoutMs: number;
  readonly #closeTimeoutMs: number;
  #queue: TrafficEvent[] = [];
  #inFlight = 0;
  #closed = false;
  /** Set when `close` ran out of time, so retries in progress give up at their next turn. */
  #abandoned = false;
  #idle: (() => void) | null = null;

  constructor(js: JetStreamClient, names: BusNames, logger: Logger,
    metrics: Pick<GatewayMetrics, "auditWriteFailures">, options: BusEventPublisherOptions = {}) {
    this.#js = js;
    this.#names = names;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#maxInFlight = options.maxInFlight ?? 256;
    this.#maxQueued = options.maxQueued ?? 100_000;
    this.#maxAttempts = options.maxAttempts ?? 20;
    this.#publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5000;
  }

  /** Events queued or being published. */
  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  write(event: TrafficEvent): void {
    if (this.#closed) {
      this.#fail(event, "the event publisher is closed");
      return;
    }
    this.#queue.push(event);
    if (this.#queue.length > this.#maxQueued) {
      const dropped = this.#queue.shift() as TrafficEvent;
      this.#fail(dropped, "too many events queued while NATS was slow or unreachable");
    }
    this.#pump();
  }

  /**
   * Waits until every queued event is published or `closeTimeoutMs` passes, then gives up the
   * rest (logged and counted). Later writes are rejected. Close the NATS connection after this.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.pending > 0) {
      const idle = new Promise<void>((resolve) => {
        this.#idle = resolve;
      });
      const timer = setTimeout(() => this.#idle?.(), this.#closeTimeoutMs);
      await idle;
      clearTimeout(timer);
    }
    if (this.pending === 0) return;
    this.#abandoned = true;
    this.#logger.log("warn", "bus.publish_close_timeout", {
      queued: this.#queue.length,
      in_flight: this.#inFlight,
    });
    for (const event of this.#queue.splice(0)) {
      this.#fail(event, "the event publisher closed before NATS acknowledged the event");
    }
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const event = this.#queue.shift() as TrafficEvent;
      this.#inFlight += 1;
      void this.#publish(event).finally(() => {
        this.#inFlight -= 1;
        this.#pump();
        if (this.pending === 0) this.#idle?.();
      });
    }
  }

  /** Publishes one event and retries transient failures. It never rejects. */
  async #publish(event: TrafficEvent): Promise<void> {
    let data: Uint8Array;
    try {
      data = encodeEvent(event);
    } catch (error) {
      this.#fail(event, `the event could not be encoded: ${describeError(error)}`);
      return;
    }
    const subject = eventSubject(this.#names, event.org);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#js.publish(subject, data, {
          msgID: event.requestId,
          timeout: this.#publishTimeoutMs,
        });
        return;
      } catch (error) {
        const permanent = isPermanentPublishError(error);
        if (permanent || attempt >= this.#maxAttempts || this.#abandoned) {
          this.#fail(event, `publish failed after ${attempt} attempts: ${describeError(error)}`);
          return;
        }
        this.#logger.log("warn", "bus.publish_retry", {
          request_id: event.requestId,
          attempt,
          error: describeError(error),
        });
        await Bun.sleep(retryDelayMs(attempt));
      }
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

/**
 * Creates the event streams when missing (see `ensureEventStreams`) and returns a publisher on
 * `nc`. Call once per process at boot.
 */
export async function openBusEventPublisher(nc: NatsConnection, names: BusNames,
  logger: Logger, metrics: Pick<GatewayMetrics, "auditWriteFailures">,
  options: BusEventPublisherOptions & { streamLimits?: EventStreamLimits } = {}):
  Promise<BusEventPublisher> {
  await ensureEventStreams(await jetstreamManager(nc), names, options.streamLimits);
  return new BusEventPublisher(jetstream(nc), names, logger, metrics, options);
}
