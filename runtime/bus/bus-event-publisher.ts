import { jetstream, type JetStreamClient, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { AuditSink } from "../audit/audit-sink.ts";
import type { TrafficEvent } from "../audit/traffic-event.ts";
import { describeError, type Logger } from "../observability/log.ts";
import type { GatewayMetrics } from "../observability/metrics.ts";
import { type BusNames, eventSubject, startSubject } from "./bus-names.ts";
import { encodeEvent } from "./event-codec.ts";
import { ensureEventStreams, type EventStreamLimits } from "./event-streams.ts";
import { isPermanentPublishError, retryDelayMs } from "./publish-retry.ts";
import { encodeStart, type RequestStart } from "./request-start.ts";

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

/** One message to publish: a final event, or a start record (`<requestId>:start`). */
interface Outgoing {
  requestId: string;
  msgID: string;
  subject: string;
  encode: () => Uint8Array;
}

/**
 * Publishes every traffic event to the JetStream event stream with its request id as the
 * message id (`Nats-Msg-Id`), so a republish inside the stream's duplicate window is dropped.
 * `write` only queues: a bounded number of publishes run in the background, failures are
 * retried with exponential backoff, and every event not published is logged with its request
 * id and counted in `nexus_audit_write_failures_total`.
 *
 * `started` publishes a request's start record the same way, so a writer can record the
 * request as lost when this process dies before its final event (open-request-tracker.ts).
 *
 * `settled(requestId)` resolves once nothing of that request is queued or unacknowledged.
 * A response should await it before its last bytes (a stream's final chunk, a JSON body).
 * Then every request whose client received a complete response has its final event in
 * JetStream, and the queue holds only events of responses not yet complete. Measured on
 * loopback (test/runtime/bus/publish-latency.ts), the wait costs 0.24 ms at p50 and 2.2 ms at
 * p99 alone, and 25 ms at p99 with 32 publishing at once on this shared machine: small beside
 * an LLM call. Without the wait, a SIGKILL in that window (one publish round trip plus the
 * queue) leaves the request as `gateway_lost` through its start record, with the wrong status
 * and no usage. NOTE: that holds only if the start record reached JetStream first; a response
 * completed within one round trip of admission (a cache hit) can lose both without the wait.
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
  #queue: Outgoing[] = [];
  #inFlight = 0;
  #closed = false;
  /** Set when `close` ran out of time, so retries in progress give up at their next turn. */
  #abandoned = false;
  #idle: (() => void) | null = null;
  /** Messages not yet acknowledged or given up, by request id, for `settled`. */
  readonly #outstanding = new Map<string, number>();
  readonly #settledWaiters = new Map<string, (() => void)[]>();

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
    this.#enqueue({
      requestId: event.requestId,
      msgID: event.requestId,
      subject: eventSubject(this.#names, event.org),
      encode: () => encodeEvent(event),
    });
  }

  /**
   * Queues the start record of a request that was just admitted. Its message id is
   * `<requestId>:start`, so a republish is dropped like an event's.
   */
  started(start: RequestStart): void {
    const outgoing = {
      requestId: start.requestId,
      msgID: `${start.requestId}:start`,
      subject: startSubject(this.#names, start.org),
      encode: () => encodeStart(start),
    };
    if (this.#closed) {
      this.#fail(outgoing, "the event publisher is closed");
      return;
    }
    this.#enqueue(outgoing);
  }

  /**
   * Resolves once every message of `requestId` given to this publisher is acknowledged by
   * JetStream or given up (logged and counted). It never rejects.
   */
  settled(requestId: string): Promise<void> {
    if (!this.#outstanding.has(requestId)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#settledWaiters.get(requestId) ?? [];
      waiters.push(resolve);
      this.#settledWaiters.set(requestId, waiters);
    });
  }

  #settle(requestId: string): void {
    const left = (this.#outstanding.get(requestId) ?? 1) - 1;
    if (left > 0) {
      this.#outstanding.set(requestId, left);
      return;
    }
    this.#outstanding.delete(requestId);
    for (const resolve of this.#settledWaiters.get(requestId) ?? []) resolve();
    this.#settledWaiters.delete(requestId);
  }

  #enqueue(outgoing: Outgoing): void {
    const outstanding = this.#outstanding.get(outgoing.requestId) ?? 0;
    this.#outstanding.set(outgoing.requestId, outstanding + 1);
    this.#queue.push(outgoing);
    if (this.#queue.length > this.#maxQueued) {
      const dropped = this.#queue.shift() as Outgoing;
      this.#fail(dropped, "too many events queued while NATS was slow or unreachable");
      this.#settle(dropped.requestId);
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
    for (const outgoing of this.#queue.splice(0)) {
      this.#fail(outgoing, "the event publisher closed before NATS acknowledged the event");
      this.#settle(outgoing.requestId);
    }
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const outgoing = this.#queue.shift() as Outgoing;
      this.#inFlight += 1;
      void this.#publish(outgoing).finally(() => {
        this.#inFlight -= 1;
        this.#settle(outgoing.requestId);
        this.#pump();
        if (this.pending === 0) this.#idle?.();
      });
    }
  }

  /** Publishes one message and retries transient failures. It never rejects. */
  async #publish(event: Outgoing): Promise<void> {
    let data: Uint8Array;
    try {
      data = event.encode();
    } catch (error) {
      this.#fail(event, `the event could not be encoded: ${describeError(error)}`);
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#js.publish(event.subject, data, {
          msgID: event.msgID,
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
          message_id: event.msgID,
          attempt,
          error: describeError(error),
        });
        await Bun.sleep(retryDelayMs(attempt));
      }
    }
  }

  #fail(event: { requestId: string; msgID?: string }, reason: string): void {
    this.#metrics.auditWriteFailures.inc();
    // A failed start record is marked as such, because its final event may still arrive.
    const record = event.msgID !== undefined && event.msgID !== event.requestId
      ? "start"
      : "event";
    this.#logger.log("error", "audit.write_failed", {
      request_id: event.requestId,
      record,
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
