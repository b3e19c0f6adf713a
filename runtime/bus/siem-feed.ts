import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../observability/log.ts";
import type { SiemForwarder } from "../siem/forwarder.ts";
import {
  type BatchConsumerOptions,
  type RunningConsumer,
  startBatchConsumer,
} from "./batch-consumer.ts";
import type { BusNames } from "./bus-names.ts";
import { type EventConsumerSettings, ensureEventConsumer } from "./event-consumers.ts";
import { ensureEventStreams, type EventStreamLimits } from "./event-streams.ts";

export interface SiemFeedOptions extends BatchConsumerOptions {
  streamLimits?: EventStreamLimits;
  /** Settings of the feed's consumer when this call creates it. */
  consumer?: EventConsumerSettings;
}

/**
 * Feeds the SIEM forwarder from the bus through its own durable consumer, so it sees every
 * event whichever node handled the request. A batch is acknowledged once `forwardTraffic`
 * returned, because by then the forwarder has appended it to each sink's disk queue.
 * Feeds on several nodes share the one consumer, so each event is forwarded once in total.
 */
export async function startSiemFeed(nc: NatsConnection, names: BusNames,
  forwarder: Pick<SiemForwarder, "forwardTraffic">, logger: Logger,
  options: SiemFeedOptions = {}): Promise<RunningConsumer> {
  const jsm = await jetstreamManager(nc);
  await ensureEventStreams(jsm, names, options.streamLimits);
  // NOTE: the event stream keeps every event until this consumer acknowledges it, so a
  // deployment that stops forwarding must delete the consumer (`nats consumer rm`).
  await ensureEventConsumer(jsm, names, names.siemConsumer, options.consumer);
  return await startBatchConsumer(nc, names, names.siemConsumer, (events) => {
    forwarder.forwardTraffic(events);
  }, logger, options);
}
