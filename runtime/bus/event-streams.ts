import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import type { BusNames } from "./bus-names.ts";
import { type EventConsumerSettings, ensureEventConsumer } from "./event-consumers.ts";
import { isNotFound } from "./not-found.ts";

const NANOS_PER_MS = 1_000_000;

export interface EventStreamLimits {
  /** Window in which a second message with the same request id is dropped, in ms. */
  duplicateWindowMs?: number;
  /** Age after which the stream deletes an event, in ms, whether consumed or not. */
  maxAgeMs?: number;
  /** Size at which the stream rejects new events, in bytes. */
  maxBytes?: number;
}

/**
 * The duplicate window. The publisher retries an event for about three minutes at most (20
 * attempts, each up to a 5 s acknowledgement timeout plus up to 6 s of backoff), and a
 * republish inside the window is dropped by its request id.
 */
const DEFAULT_DUPLICATE_WINDOW_MS = 5 * 60_000;
const DEFAULT_MAX_AGE_MS = 7 * 24 * 3_600_000;
const DEFAULT_MAX_BYTES = 10 * 1024 ** 3;
/** Largest event accepted, equal to NATS's default `max_payload` of 1 MiB. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Creates the event stream, the writer's and the start records' consumers and the dead-letter
 * stream when missing, and brings an existing stream to these limits. Safe to call from every
 * node at every boot. Start records stay in the stream until a writer runs the open-request
 * tracker (open-request-tracker.ts), so every deployment that publishes them must run one.
 */
export async function ensureEventStreams(jsm: JetStreamManager, names: BusNames,
  limits: EventStreamLimits = {}, writer: EventConsumerSettings = {}): Promise<void> {
  const maxAge = (limits.maxAgeMs ?? DEFAULT_MAX_AGE_MS) * NANOS_PER_MS;
  // Discarding new messages when full makes the publisher see the failure and log it, where
  // discarding old ones would drop events that no consumer has read yet.
  // Interest retention deletes an event once every consumer has acknowledged it, so the stream
  // holds only the backlog. The writer's consumer is created with the stream, because a stream
  // with interest retention and no consumer keeps nothing.
  await ensureStream(jsm, {
    name: names.eventStream,
    // Start records share the stream, its limits and its duplicate window. Only the start
    // consumer reads them, so interest retention deletes each once that consumer acks it.
    subjects: [`${names.eventSubjectPrefix}.>`, `${names.startSubjectPrefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Interest,
    discard: DiscardPolicy.New,
    duplicate_window: (limits.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS) * NANOS_PER_MS,
    max_age: maxAge,
    max_bytes: limits.maxBytes ?? DEFAULT_MAX_BYTES,
    max_msg_size: MAX_MESSAGE_BYTES,
    num_replicas: 1,
  });
  await ensureEventConsumer(jsm, names, names.writerConsumer, writer);
  await ensureEventConsumer(jsm, names, names.startConsumer, {
    ackWaitMs: writer.ackWaitMs,
    filterSubject: `${names.startSubjectPrefix}.>`,
  });
  await ensureStream(jsm, {
    name: names.deadLetterStream,
    subjects: [names.deadLetterSubject],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: DEFAULT_DUPLICATE_WINDOW_MS * NANOS_PER_MS,
    max_age: maxAge,
    num_replicas: 1,
  });
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & {
  name: string;
}): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch (error) {
    if (!isNotFound(error, JetStreamApiCodes.StreamNotFound)) throw error;
    try {
      await jsm.streams.add(config);
      return;
    } catch (addError) {
      // Another node created it between the lookup and the add, so it is updated instead.
      if (!(addError instanceof JetStreamApiError)) throw addError;
    }
  }
  const { name, ...update } = config;
  await jsm.streams.update(name, update);
}
