import { jetstream, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { TrafficEvent } from "../audit/traffic-event.ts";
import { describeError, type Logger } from "../observability/log.ts";
import type { BusNames } from "./bus-names.ts";
import { sendToDeadLetter } from "./dead-letter.ts";
import { decodeEvent } from "./event-codec.ts";

/**
 * Takes one batch of events. It resolves once the batch is durable on its side (committed, or
 * queued on disk), and only then are the messages acknowledged. When it rejects, the whole
 * batch is redelivered later.
 */
export type BatchHandler<T = TrafficEvent> = (events: readonly T[]) => Promise<void> | void;

/** Decoding of a consumer's messages; traffic events by default. */
export interface BatchCodec<T> {
  /** Throws on a message this version cannot read; it is retried, then dead-lettered. */
  decode(data: Uint8Array): T;
  /** The request id, so two copies of one message in a batch are handed over once. */
  idOf(item: T): string;
}

const EVENT_CODEC: BatchCodec<TrafficEvent> = {
  decode: decodeEvent,
  idOf: (event) => event.requestId,
};

export interface BatchConsumerOptions {
  /** Events per batch at most. */
  maxBatch?: number;
  /** Time the first event of a batch waits for more before the batch is handled, in ms. */
  maxWaitMs?: number;
  /** Deliveries of an undecodable message before it goes to the dead-letter stream. */
  deadLetterAfter?: number;
  /** Delay before a failed batch is redelivered, by its delivery count, in ms. */
  retryDelayMs?: (deliveryCount: number) => number;
}

export interface RunningConsumer {
  /** Stops fetching, handles the batch in memory, and resolves when the loop has ended. */
  stop(): Promise<void>;
  /** Resolves when the loop ends, by `stop` or because the consumer went away. */
  readonly done: Promise<void>;
}

interface Received<T> {
  message: JsMsg;
  event: T;
}

/** Doubles from 1 s to at most 30 s, so a store outage is retried without flooding it. */
function defaultRetryDelayMs(deliveryCount: number): number {
  return Math.min(1000 * 2 ** Math.max(0, deliveryCount - 1), 30_000);
}

/**
 * Reads the durable pull consumer `consumerName` of the event stream in batches of up to
 * `maxBatch` events or `maxWaitMs`, whichever comes first, and acknowledges a batch only after
 * `handler` resolved. A crash before that leaves the batch unacknowledged, so JetStream
 * redelivers it after the ack wait. The consumer must exist (see `ensureEventConsumer`).
 */
export async function startBatchConsumer<T = TrafficEvent>(nc: NatsConnection,
  names: BusNames, consumerName: string, handler: BatchHandler<T>, logger: Logger,
  options: BatchConsumerOptions = {},
  codec: BatchCodec<T> = EVENT_CODEC as unknown as BatchCodec<T>): Promise<RunningConsumer> {
  const maxBatch = options.maxBatch ?? 500;
  const maxWaitMs = options.maxWaitMs ?? 50;
  const js = jetstream(nc);
  const consumer = await js.consumers.get(names.eventStream, consumerName);
  const messages = await consumer.consume({ max_messages: maxBatch * 2 });
  const handle = new BatchHandling(js, names, consumerName, handler, codec, logger, options);

  const done = readInBatches(messages, maxBatch, maxWaitMs, async (batch) => {
    try {
      await handle.run(batch);
    } catch (error) {
      // The connection closed under an ack or nak, so JetStream redelivers the batch later.
      logger.log("error", "bus.batch_failed", {
        consumer: consumerName,
        events: batch.length,
        error: describeError(error),
      });
    }
  }).catch((error: unknown) => {
    // What was not acknowledged is redelivered to the next consumer that reads.
    logger.log("error", "bus.consumer_failed", {
      consumer: consumerName,
      error: describeError(error),
    });
  }).then(() => {
    logger.log("info", "bus.consumer_stopped", { consumer: consumerName });
  });
  logger.log("info", "bus.consumer_started", {
    consumer: consumerName,
    stream: names.eventStream,
  });
  return {
    async stop() {
      messages.stop();
      await done;
    },
    done,
  };
}

/**
 * Groups `messages` into batches of up to `maxBatch`, or what arrived within `maxWaitMs` of a
 * batch's first message, and hands each to `onBatch` in order. Resolves when `messages` ends
 * and the last batch is handled.
 */
async function readInBatches(messages: AsyncIterable<JsMsg>, maxBatch: number,
  maxWaitMs: number, onBatch: (batch: JsMsg[]) => Promise<void>): Promise<void> {
  let batch: JsMsg[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  // Batches are handled one after another, whether the size or the timer ends them.
  let handled: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const ready = batch;
    batch = [];
    if (ready.length > 0) handled = handled.then(() => onBatch(ready));
    return handled;
  };

  try {
    for await (const message of messages) {
      batch.push(message);
      // Waiting here stops reading, which bounds the messages held in memory.
      if (batch.length >= maxBatch) await flush();
      else timer ??= setTimeout(() => void flush(), maxWaitMs);
    }
  } finally {
    await flush();
  }
}

/**
 * Decodes, hands over and acknowledges one batch. `run` rejects only when an ack or nak cannot
 * be sent, because the connection closed.
 */
class BatchHandling<T> {
  readonly #js: JetStreamClient;
  readonly #names: BusNames;
  readonly #consumer: string;
  readonly #handler: BatchHandler<T>;
  readonly #codec: BatchCodec<T>;
  readonly #logger: Logger;
  readonly #deadLetterAfter: number;
  readonly #retryDelayMs: (deliveryCount: number) => number;

  constructor(js: JetStreamClient, names: BusNames, consumer: string, handler: BatchHandler<T>,
    codec: BatchCodec<T>, logger: Logger, options: BatchConsumerOptions) {
    this.#js = js;
    this.#names = names;
    this.#consumer = consumer;
    this.#handler = handler;
    this.#codec = codec;
    this.#logger = logger;
    this.#deadLetterAfter = options.deadLetterAfter ?? 5;
    this.#retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  }

  async run(messages: readonly JsMsg[]): Promise<void> {
    const received = await this.#decodeAll(messages);
    if (received.length === 0) return;

    // A message redelivered while its first copy waits in this batch is stored once.
    const unique = new Map<string, T>();
    for (const { event } of received) unique.set(this.#codec.idOf(event), event);
    try {
      await this.#handler([...unique.values()]);
    } catch (error) {
      this.#logger.log("error", "bus.batch_failed", {
        consumer: this.#consumer,
        events: received.length,
        first_request_id: this.#codec.idOf((received[0] as Received<T>).event),
        error: describeError(error),
      });
      for (const { message } of received) {
        message.nak(this.#retryDelayMs(message.info.deliveryCount));
      }
      return;
    }
    for (const { message } of received) message.ack();
  }

  /** Decodes each message. One that fails is retried, then dead-lettered, on its own. */
  async #decodeAll(messages: readonly JsMsg[]): Promise<Received<T>[]> {
    const received: Received<T>[] = [];
    for (const message of messages) {
      try {
        received.push({ message, event: this.#codec.decode(message.data) });
      } catch (error) {
        await this.#reject(message, describeError(error));
      }
    }
    return received;
  }

  async #reject(message: JsMsg, reason: string): Promise<void> {
    const fields = {
      consumer: this.#consumer,
      subject: message.subject,
      stream_sequence: message.seq,
      deliveries: message.info.deliveryCount,
      error: reason,
    };
    // A newer gateway may publish a shape this process cannot read yet, so it is retried a
    // few times (another writer may read it) before it is set aside.
    if (message.info.deliveryCount < this.#deadLetterAfter) {
      this.#logger.log("warn", "bus.message_undecodable", fields);
      message.nak(this.#retryDelayMs(message.info.deliveryCount));
      return;
    }
    try {
      await sendToDeadLetter(this.#js, this.#names, message, reason);
    } catch (error) {
      this.#logger.log("error", "bus.dead_letter_failed", {
        ...fields,
        dead_letter_error: describeError(error),
      });
      message.nak(this.#retryDelayMs(message.info.deliveryCount));
      return;
    }
    this.#logger.log("error", "bus.message_dead_lettered", {
      ...fields,
      dead_letter_subject: this.#names.deadLetterSubject,
    });
    // Terminated without a reason, because NATS servers before 2.10 do not accept one.
    message.term();
  }
}
