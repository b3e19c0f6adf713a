import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { EventStore, TrafficEvent } from "../audit/traffic-event.ts";
import type { Logger } from "../observability/log.ts";
import {
  type BatchConsumerOptions,
  type RunningConsumer,
  startBatchConsumer,
} from "./batch-consumer.ts";
import type { BusNames } from "./bus-names.ts";
import type { EventConsumerSettings } from "./event-consumers.ts";
import { ensureEventStreams, type EventStreamLimits } from "./event-streams.ts";
import type { OpenRequestStore } from "./open-requests.ts";

export interface BusEventWriterOptions extends BatchConsumerOptions {
  streamLimits?: EventStreamLimits;
  /** Settings of the writer's consumer when this call creates it. */
  consumer?: EventConsumerSettings;
  /** Called with how many events of each committed batch were new (e.g. for a metric). */
  onCommitted?: (written: number, events: readonly TrafficEvent[]) => void;
  /**
   * Open requests to delete once their final event commits (see open-request-tracker.ts).
   * Deleting follows the commit, before the ack: a crash between the two leaves an entry
   * whose event is stored, which the next sweep drops without writing anything.
   */
  openRequests?: OpenRequestStore;
}

/**
 * Stores the events of the bus in `store`: a durable consumer reads batches and each batch is
 * written in one `insertBatch` call, then acknowledged. Several writers (processes or nodes)
 * may run at once and share the batches. A crash between the commit and the acknowledgement
 * redelivers the batch, and the store skips the request ids it already has, so every event is
 * stored exactly once.
 */
export async function startBusEventWriter(nc: NatsConnection, names: BusNames,
  store: Pick<EventStore, "insertBatch">, logger: Logger,
  options: BusEventWriterOptions = {}): Promise<RunningConsumer> {
  // The writer's consumer is created with the stream, so that no event published before the
  // first writer starts is lost.
  await ensureEventStreams(await jetstreamManager(nc), names, options.streamLimits,
    options.consumer);
  return await startBatchConsumer(nc, names, names.writerConsumer, async (events) => {
    const written = await store.insertBatch(events);
    await options.openRequests?.close(events.map((event) => event.requestId));
    logger.log("debug", "bus.batch_stored", { events: events.length, new_events: written });
    options.onCommitted?.(written, events);
  }, logger, options);
}
