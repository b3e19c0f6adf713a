import type { NatsConnection } from "@nats-io/transport-node";
import type { EventStore } from "../audit/traffic-event.ts";
import { describeError, type Logger } from "../observability/log.ts";
import {
  type BatchConsumerOptions,
  type RunningConsumer,
  startBatchConsumer,
} from "./batch-consumer.ts";
import type { BusNames } from "./bus-names.ts";
import { NodeLiveness, type NodeLivenessOptions } from "./node-liveness.ts";
import type { OpenRequestStore } from "./open-requests.ts";
import { lostEvent, type RequestStart } from "./request-start.ts";
import { decodeStartBatch, type StartBatch } from "./start-batch.ts";

export interface OpenRequestTrackerOptions extends BatchConsumerOptions, NodeLivenessOptions {
  /** Time between two sweeps for requests whose node is gone, in ms. */
  sweepEveryMs?: number;
  /** Open requests one sweep looks at, oldest first. */
  sweepLimit?: number;
  /** Called with the lost events each sweep stored (e.g. for a metric). */
  onLost?: (written: number, starts: readonly RequestStart[]) => void;
}

/**
 * Records requests cut by a lost gateway. It stores every start record from the bus in
 * `open`, and the writer deletes an entry once the request's final event commits (see the
 * `openRequests` option of `startBusEventWriter`). Starts arrive in batches (start-batch.ts),
 * often after their final event was stored. `open` skips such a start, and the sweep deletes
 * one that raced its final's commit, so a late start does not become a `gateway_lost` event.
 * It listens to the nodes' heartbeats, and every `sweepEveryMs` it turns the entries whose
 * node went silent, or that are too old, into `gateway_lost` events in `events`.
 *
 * A final event that arrives after its lost event replaces it in the store: its node was cut
 * off the bus for longer than the dead-after silence and delivered it later. The store skips
 * any other second event of a request id, so it keeps one row per request.
 */
export async function startOpenRequestTracker(nc: NatsConnection, names: BusNames,
  events: Pick<EventStore, "insertBatch">, open: OpenRequestStore, logger: Logger,
  options: OpenRequestTrackerOptions = {}): Promise<RunningConsumer> {
  const liveness = new NodeLiveness(options);
  liveness.listen(nc, names, logger);

  const consumer = await startBatchConsumer<StartBatch>(nc, names, names.startConsumer,
    async (batches) => {
      const starts = uniqueStarts(batches);
      const kept = await open.open(starts);
      logger.log("debug", "bus.starts_stored", {
        messages: batches.length,
        starts: starts.length,
        new_starts: kept,
      });
    }, logger, options, { decode: decodeStartBatch, idOf: (batch) => batch.id });

  const sweep = async (): Promise<void> => {
    const candidates = await open.list(options.sweepLimit ?? 1000);
    const now = Date.now();
    const lost = candidates.flatMap((start) => {
      const reason = liveness.lostReason(start, now);
      return reason === null ? [] : [{ start, event: lostEvent(start, now, reason) }];
    });
    if (lost.length === 0) return;

    const written = await events.insertBatch(lost.map((entry) => entry.event));
    await open.close(lost.map((entry) => entry.start.requestId));
    for (const { start, event } of lost) {
      logger.log("warn", "audit.request_lost", {
        request_id: start.requestId,
        node_id: start.nodeId,
        reason: String(event.detail.lost),
      });
    }
    options.onLost?.(written, lost.map((entry) => entry.start));
  };

  let sweeping: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    // One sweep at a time; a slow store delays the next instead of stacking them.
    sweeping = sweeping.then(sweep).catch((error: unknown) => {
      logger.log("error", "bus.sweep_failed", { error: describeError(error) });
    });
  }, options.sweepEveryMs ?? 1000);

  const done = consumer.done.finally(() => {
    clearInterval(timer);
    liveness.stop();
  });
  return {
    async stop() {
      clearInterval(timer);
      await consumer.stop();
      await sweeping;
      liveness.stop();
    },
    done,
  };
}

/** Returns the starts of `batches`, each request once (a republish may repeat one). */
function uniqueStarts(batches: readonly StartBatch[]): RequestStart[] {
  const byId = new Map<string, RequestStart>();
  for (const batch of batches) {
    for (const start of batch.starts) byId.set(start.requestId, start);
  }
  return [...byId.values()];
}
