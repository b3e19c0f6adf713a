import { jetstream, type JetStreamClient, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { AuditSink } from "../audit/audit-sink.ts";
import type { TrafficEvent } from "../audit/traffic-event.ts";
import { describeError, type Logger } from "../observability/log.ts";
import type { BusPublisherMetrics } from "../observability/metrics.ts";
import { type BusNames, eventSubject, startBatchSubject } from "./bus-names.ts";
import { watchConnection } from "./connection-state.ts";
import { ensureEventStreams, type EventStreamLimits } from "./event-streams.ts";
import { isPermanentPublishError, retryDelayMs } from "./publish-retry.ts";
import type { RequestStart } from "./request-start.ts";
import { encodeEventWithin, eventByteLimit } from "./shrink-event.ts";
import type { SpillFile } from "./spill-file.ts";
import { type EncodedStartBatch, StartBatcher } from "./start-batcher.ts";

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
  /**
   * Maximum time `settled` delays a response while the bus is slow, in ms. After it the
   * response is sent and its event stays queued.
   */
  settleWaitMs?: number;
  /** Whether the NATS connection is up; while it is not, `settled` does not wait at all. */
  connected?: () => boolean;
  /**
   * File for messages that cannot be published (NATS down at close, the queue full, retries
   * spent), republished at the next boot (see `republishSpilled`).
   */
  spill?: SpillFile;
  /**
   * Time a start record waits to be published with others in one message, in ms. A gateway
   * killed within this time of admitting a request leaves no start for it (see the class).
   */
  startBatchMs?: number;
  /** Start records that make a batch full, so it is published before `startBatchMs`. */
  startBatchMax?: number;
  /**
   * The server's `max_payload` in bytes, read at each encode because it comes with the
   * connection's INFO. An event encoded larger than this (at most 1 MiB, less headroom for
   * the headers) is shrunk before it is published (shrink-event.ts).
   */
  maxPayload?: () => number | undefined;
}

/**
 * One message to publish: a final event (message id = request id), a batch of start records
 * (`<nodeId>:starts:<token>-<sequence>`), or a message republished from the spill file.
 */
interface Outgoing {
  /** Request id of an event, or message id of a start batch, for logs and the spill file. */
  requestId: string;
  msgID: string;
  subject: string;
  encode: () => Uint8Array;
  /** The requests whose `settled` waits for this message. */
  requestIds: readonly string[];
}

/** Default of `settleWaitMs`: far above a healthy ack (p99 25 ms), short for a client. */
const DEFAULT_SETTLE_WAIT_MS = 250;
/** Default of `startBatchMs`: the window in which a crash leaves a request without a start. */
const DEFAULT_START_BATCH_MS = 50;
/**
 * Default of `startBatchMax`. At an estimated 300 bytes a record, a full batch is about
 * 150 KB, well under the 1 MiB message limit. The batcher also splits a batch by its size.
 */
const DEFAULT_START_BATCH_MAX = 500;

/**
 * Publishes every traffic event to the JetStream event stream with its request id as the
 * message id (`Nats-Msg-Id`), so a republish inside the stream's duplicate window is dropped.
 * `write` only queues: a bounded number of publishes run in the background, failures are
 * retried with exponential backoff, and every event not published is logged with its request
 * id and counted in `nexus_audit_write_failures_total`.
 *
 * `started` collects a request's start record, so a writer can record the request as lost
 * when this process dies before its final event (open-request-tracker.ts). Starts leave in
 * batches, one message per `startBatchMs` (50 ms) or per `startBatchMax` starts, under a
 * message id fixed when the batch closes, with the same retries, spill and close handling as
 * events. A start whose final event is written before its batch closes is dropped, so a
 * request that ends within the window publishes no start at all. That saves a publish per
 * request and the writer's insert and delete of an open entry.
 * A stream's start leaves at once, before its first bytes (`startSettled`), and a JSON response
 * waits for its final event, so every client that received any part of a response has a
 * record of it on the bus.
 * NOTE: a gateway killed within `startBatchMs` of admitting a request that has sent its client
 * nothing yet leaves no start for it, so that request (and any upstream call it made) gets no
 * `gateway_lost` event. Keep the window short.
 *
 * `settled(requestId)` resolves once nothing of that request is queued or unacknowledged,
 * or after `settleWaitMs` (250 ms), or at once while NATS is disconnected: an outage must not
 * hold every response, so then the event stays queued and is spilled to disk at close.
 * A response should await it before its last bytes (a stream's final chunk, a JSON body).
 * Then every request whose client received a complete response has its final event in
 * JetStream, and the queue holds only events of responses not yet complete. Measured on
 * loopback (test/runtime/bus/publish-latency.ts), the wait costs 0.24 ms at p50 and 2.2 ms at
 * p99 alone, and 25 ms at p99 with 32 publishing at once on this shared machine: small beside
 * an LLM call. Without the wait, a SIGKILL in that window (one publish round trip plus the
 * queue) leaves the request as `gateway_lost` through its start record, with the wrong status
 * and no usage. NOTE: that is true only if its start batch reached JetStream first. A response
 * completed within `startBatchMs` of admission (a cache hit) has no start on the bus, so a
 * cut wait can lose both.
 */
export class BusEventPublisher implements AuditSink {
  readonly #js: JetStreamClient;
  readonly #names: BusNames;
  readonly #logger: Logger;
  readonly #metrics: BusPublisherMetrics;
  readonly #maxInFlight: number;
  readonly #maxQueued: number;
  readonly #maxAttempts: number;
  readonly #publishTimeoutMs: number;
  readonly #closeTimeoutMs: number;
  readonly #settleWaitMs: number;
  readonly #connected: () => boolean;
  readonly #spill: SpillFile | null;
  readonly #maxPayload: () => number | undefined;
  /** Responses that stopped waiting for their ack since the bus last acknowledged one. */
  #waitsCut = 0;
  #queue: Outgoing[] = [];
  #inFlight = 0;
  /** The messages being published, so `close` can spill them when it runs out of time. */
  readonly #publishing = new Set<Outgoing>();
  #closed = false;
  /** Set when `close` ran out of time, so retries in progress give up at their next turn. */
  #abandoned = false;
  #idle: (() => void) | null = null;
  /** Messages not yet acknowledged or given up, by request id, for `settled`. */
  readonly #outstanding = new Map<string, number>();
  readonly #settledWaiters = new Map<string, (() => void)[]>();
  readonly #starts: StartBatcher;

  constructor(js: JetStreamClient, names: BusNames, logger: Logger,
    metrics: BusPublisherMetrics, options: BusEventPublisherOptions = {}) {
    this.#js = js;
    this.#names = names;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#maxInFlight = options.maxInFlight ?? 256;
    this.#maxQueued = options.maxQueued ?? 100_000;
    this.#maxAttempts = options.maxAttempts ?? 20;
    this.#publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.#settleWaitMs = options.settleWaitMs ?? DEFAULT_SETTLE_WAIT_MS;
    this.#connected = options.connected ?? (() => true);
    this.#spill = options.spill ?? null;
    this.#maxPayload = options.maxPayload ?? (() => undefined);
    this.#starts = new StartBatcher({
      windowMs: options.startBatchMs ?? DEFAULT_START_BATCH_MS,
      maxStarts: options.startBatchMax ?? DEFAULT_START_BATCH_MAX,
      onBatch: (batch) => this.#push(this.#startBatchMessage(batch)),
      onEncodeError: (start, error) => {
        this.#fail({ requestId: start.requestId, record: "start" },
          `failed to encode the start record: ${describeError(error)}`);
        this.#settle(start.requestId);
      },
    });
  }

  /** Messages queued or being published, and start records waiting for their batch. */
  get pending(): number {
    return this.#queue.length + this.#inFlight + this.#starts.size;
  }

  /** Queues a request's final event, and drops its start record if that has not left yet. */
  write(event: TrafficEvent): void {
    if (this.#closed) {
      this.#fail({ requestId: event.requestId, record: "event" },
        "the event publisher is closed");
      return;
    }
    // Encoded once, so a shrunk event is logged once however often it is retried or spilled.
    let encoded: Uint8Array | undefined;
    this.#enqueue({
      requestId: event.requestId,
      msgID: event.requestId,
      subject: eventSubject(this.#names, event.org),
      encode: () => (encoded ??= this.#encodeEvent(event)),
      requestIds: [event.requestId],
    });
    // After the enqueue, so that `settled` of this request never resolves in between.
    if (this.#starts.drop(event.requestId)) this.#settle(event.requestId);
  }

  /**
   * Adds the start record of a request that was just admitted to the next start batch. A
   * second start of a request whose first still waits is ignored.
   */
  started(start: RequestStart): void {
    if (this.#closed) {
      this.#fail({ requestId: start.requestId, record: "start" },
        "the event publisher is closed");
      return;
    }
    if (this.#starts.has(start.requestId)) return;
    // Counted before `add`, which may close the batch and queue it at once.
    this.#outstanding.set(start.requestId, (this.#outstanding.get(start.requestId) ?? 0) + 1);
    this.#starts.add(start);
  }

  /** Publishes the start records collected so far now, without waiting for `startBatchMs`. */
  flushStarts(): void {
    this.#starts.flush();
  }

  /**
   * Publishes the batch containing this request's start now, if the start still waits, and
   * resolves like `settled`. A streamed response awaits it before its first bytes: then a
   * client that received any part of a response has the request's start in JetStream, and a
   * gateway killed mid-stream leaves a `gateway_lost` event, however soon after admission.
   * A start that already left costs nothing more, and one that waits costs one round trip.
   */
  startSettled(requestId: string): Promise<void> {
    if (this.#starts.has(requestId)) this.#starts.flush();
    return this.settled(requestId);
  }

  /**
   * Encodes an event within the message size limit, shrinking it when needed (logged once).
   * Throws when even the shrunk event does not fit, so the event fails like any that cannot be
   * encoded: logged and counted in `nexus_audit_write_failures_total`.
   */
  #encodeEvent(event: TrafficEvent): Uint8Array {
    const limit = eventByteLimit(this.#maxPayload());
    const encoded = encodeEventWithin(event, limit);
    if (encoded.steps.length === 0) return encoded.data;

    const fits = encoded.data.byteLength <= limit;
    this.#logger.log(fits ? "warn" : "error", "bus.event_shrunk", {
      request_id: event.requestId,
      original_bytes: encoded.originalBytes,
      bytes: encoded.data.byteLength,
      limit_bytes: limit,
      steps: encoded.steps.join(","),
    });
    if (!fits) {
      throw new Error(`the event is ${encoded.data.byteLength} bytes after shrinking, over the `
        + `${limit}-byte message limit`);
    }
    return encoded.data;
  }

  #startBatchMessage(batch: EncodedStartBatch): Outgoing {
    return {
      requestId: batch.id,
      msgID: batch.id,
      subject: startBatchSubject(this.#names, batch.nodeId),
      encode: () => batch.data,
      requestIds: batch.requestIds,
    };
  }

  /**
   * Resolves once every message of `requestId` given to this publisher is acknowledged by
   * JetStream or given up (logged and counted), or sooner: at once while NATS is
   * disconnected, and after `settleWaitMs` otherwise. A response is never held by a bus
   * outage; its event stays queued. It never rejects.
   */
  settled(requestId: string): Promise<void> {
    if (!this.#outstanding.has(requestId)) return Promise.resolve();
    if (!this.#connected()) {
      this.#waitCut(requestId);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waitCut(requestId);
        resolve();
      }, this.#settleWaitMs);
      this.settledFully(requestId).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Like `settled` without its time bound: every message of `requestId` is handled. */
  settledFully(requestId: string): Promise<void> {
    if (!this.#outstanding.has(requestId)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#settledWaiters.get(requestId) ?? [];
      waiters.push(resolve);
      this.#settledWaiters.set(requestId, waiters);
    });
  }

  /** Responses that went out before their event was acknowledged, since the last ack. */
  get waitsCut(): number {
    return this.#waitsCut;
  }

  /** Logs the first cut wait of an outage only, so an outage is one line, not one a request. */
  #waitCut(requestId: string): void {
    this.#waitsCut += 1;
    if (this.#waitsCut > 1) return;
    this.#logger.log("warn", "bus.settle_wait_cut", {
      request_id: requestId,
      connected: this.#connected(),
      queued: this.#queue.length,
      in_flight: this.#inFlight,
    });
  }

  /** Called on each acknowledgement: ends the outage that cut waits, if any. */
  #acknowledged(): void {
    if (this.#waitsCut === 0) return;
    this.#logger.log("info", "bus.settle_wait_restored", { waits_cut: this.#waitsCut });
    this.#waitsCut = 0;
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

  #settleAll(outgoing: Outgoing): void {
    for (const requestId of outgoing.requestIds) this.#settle(requestId);
  }

  /** Counts the message for `settled` of its requests, then queues it. */
  #enqueue(outgoing: Outgoing): void {
    for (const requestId of outgoing.requestIds) {
      this.#outstanding.set(requestId, (this.#outstanding.get(requestId) ?? 0) + 1);
    }
    this.#push(outgoing);
  }

  /** Queues a message already counted for `settled` (a start batch counts in `started`). */
  #push(outgoing: Outgoing): void {
    this.#queue.push(outgoing);
    if (this.#queue.length > this.#maxQueued) {
      const dropped = this.#queue.shift() as Outgoing;
      this.#giveUp(dropped, "too many events queued while NATS was slow or unreachable");
      this.#settleAll(dropped);
    }
    this.#pump();
  }

  /**
   * Waits until every queued event is published or `closeTimeoutMs` passes, then gives up the
   * rest (logged and counted). Later writes are rejected. Close the NATS connection after this.
   */
  async close(): Promise<void> {
    this.#closed = true;
    // Starts of requests still running leave now: this process may not outlive them.
    this.#starts.flush();
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
      this.#giveUp(outgoing, "the event publisher closed before NATS acknowledged the event");
      this.#settleAll(outgoing);
    }
    // Publishes still waiting are given up here; their retry loop then ends silently. One
    // acknowledged after all is dropped as a duplicate when the spill is republished.
    for (const outgoing of this.#publishing) {
      this.#giveUp(outgoing, "the event publisher closed before NATS acknowledged the event");
    }
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const outgoing = this.#queue.shift() as Outgoing;
      this.#inFlight += 1;
      this.#publishing.add(outgoing);
      void this.#publish(outgoing).finally(() => {
        this.#inFlight -= 1;
        this.#publishing.delete(outgoing);
        this.#settleAll(outgoing);
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
      this.#failMessage(event, `failed to encode the event: ${describeError(error)}`);
      return;
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#js.publish(event.subject, data, {
          msgID: event.msgID,
          timeout: this.#publishTimeoutMs,
        });
        this.#metrics.busPublished.inc({ record: this.#recordKind(event) });
        this.#acknowledged();
        return;
      } catch (error) {
        const permanent = isPermanentPublishError(error);
        if (this.#abandoned) return;
        if (permanent || attempt >= this.#maxAttempts) {
          const reason = `publish failed after ${attempt} attempts: ${describeError(error)}`;
          if (permanent) this.#failMessage(event, reason);
          else this.#giveUp({ ...event, encode: () => data }, reason);
          return;
        }
        this.#metrics.busPublishRetries.inc({ record: this.#recordKind(event) });
        this.#logger.log("warn", "bus.publish_retry", {
          request_id: event.requestId,
          message_id: event.msgID,
          attempt,
          error: describeError(error),
        });
        await Bun.sleep(retryDelayMs(attempt));
        if (this.#abandoned) return;
      }
    }
  }

  /**
   * Keeps a message that could not be published in the spill file, for the next boot, or
   * fails it (logged and counted) when there is no spill file or the write fails.
   */
  #giveUp(outgoing: Outgoing, reason: string): void {
    if (this.#spill === null) {
      this.#failMessage(outgoing, reason);
      return;
    }
    try {
      const { requestId, msgID, subject } = outgoing;
      this.#spill.append([{ requestId, msgID, subject, data: outgoing.encode() }]);
      this.#logger.log("warn", "bus.message_spilled", {
        request_id: requestId,
        message_id: msgID,
        error: reason,
      });
    } catch (error) {
      this.#failMessage(outgoing, `${reason}; spilling to disk failed: ${describeError(error)}`);
    }
  }

  /**
   * Queues the messages spilled by an earlier run of this node, under their own message ids,
   * and deletes their file once each is acknowledged or spilled again.
   */
  republishSpilled(spill: SpillFile): number {
    const batch = spill.take();
    if (batch.corrupt > 0) {
      this.#logger.log("warn", "bus.spill_corrupt", { lines: batch.corrupt });
    }
    for (const message of batch.messages) {
      this.#enqueue({ ...message, encode: () => message.data, requestIds: [message.requestId] });
    }
    void Promise.all(batch.messages.map((message) => this.settledFully(message.requestId)))
      .then(() => batch.done());
    if (batch.messages.length > 0) {
      this.#logger.log("info", "bus.spill_republished", { messages: batch.messages.length });
    }
    return batch.messages.length;
  }

  /** Fails a message that was queued: an event, or a start batch with all its requests. */
  #failMessage(outgoing: Outgoing, reason: string): void {
    const record = this.#recordKind(outgoing);
    if (record === "event") {
      this.#fail({ requestId: outgoing.requestId, record }, reason);
      return;
    }
    this.#metrics.auditWriteFailures.inc();
    this.#logger.log("error", "audit.write_failed", {
      message_id: outgoing.msgID,
      requests: outgoing.requestIds.length,
      // At most `startBatchMax` ids, on an error path only.
      request_ids: outgoing.requestIds.join(","),
      record,
      error: reason,
    });
  }

  #fail(failed: { requestId: string; record: "start" | "event" }, reason: string): void {
    this.#metrics.auditWriteFailures.inc();
    // A failed start record is marked as such, because its final event may still arrive.
    this.#logger.log("error", "audit.write_failed", {
      request_id: failed.requestId,
      record: failed.record,
      error: reason,
    });
  }

  /** Returns whether a message carries start records or a final event, by its subject. */
  #recordKind(outgoing: Outgoing): "start" | "event" {
    return outgoing.subject.startsWith(`${this.#names.startSubjectPrefix}.`) ? "start" : "event";
  }
}

/**
 * Creates the event streams when missing (see `ensureEventStreams`) and returns a publisher on
 * `nc`. Call once per process at boot.
 */
export async function openBusEventPublisher(nc: NatsConnection, names: BusNames,
  logger: Logger, metrics: BusPublisherMetrics,
  options: BusEventPublisherOptions & { streamLimits?: EventStreamLimits } = {}):
  Promise<BusEventPublisher> {
  await ensureEventStreams(await jetstreamManager(nc), names, options.streamLimits);
  const connected = watchConnection(nc);
  return new BusEventPublisher(jetstream(nc), names, logger, metrics,
    { connected, maxPayload: () => nc.info?.max_payload, ...options });
}
