import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiCodes,
  type JetStreamManager,
} from "@nats-io/jetstream";
import type { BusNames } from "./bus-names.ts";
import { isNotFound } from "./not-found.ts";

const NANOS_PER_MS = 1_000_000;

/**
 * Default time a consumer has to acknowledge a message before JetStream redelivers it, in ms.
 * It should exceed the slowest batch write. A redelivery that races a slow write is still
 * stored once, because the store skips request ids it already has.
 */
const DEFAULT_ACK_WAIT_MS = 30_000;

export interface EventConsumerSettings {
  /** Time to acknowledge a message before JetStream redelivers it, in ms. */
  ackWaitMs?: number;
  /** Subjects the consumer reads; every traffic event (`<prefix>.events.>`) unless set. */
  filterSubject?: string;
}
/** Messages delivered and not yet acknowledged. Past this JetStream pauses delivery. */
const MAX_ACK_PENDING = 10_000;

/**
 * Creates the durable pull consumer `name` on the event stream unless it exists. An existing
 * consumer keeps its settings, so that nodes started with different settings do not undo each
 * other's. Several processes that use the same name share its messages.
 */
export async function ensureEventConsumer(jsm: JetStreamManager, names: BusNames,
  name: string, settings: EventConsumerSettings = {}): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: settings.filterSubject ?? `${names.eventSubjectPrefix}.>`,
    ack_wait: (settings.ackWaitMs ?? DEFAULT_ACK_WAIT_MS) * NANOS_PER_MS,
    // Redelivery never stops: a failed write is retried until the store accepts it, and a
    // message that cannot be decoded goes to the dead-letter stream instead.
    max_deliver: -1,
    max_ack_pending: MAX_ACK_PENDING,
  };
  try {
    await jsm.consumers.info(names.eventStream, name);
  } catch (error) {
    if (!isNotFound(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
    // Creating a durable that another node has just created with the same config succeeds.
    await jsm.consumers.add(names.eventStream, config);
  }
}
