import type { NatsConnection } from "@nats-io/transport-node";
import { hostname } from "node:os";
import { describeError, type Logger } from "../observability/log.ts";
import { type BusNames, heartbeatSubject } from "./bus-names.ts";

/** Interval between two heartbeats of a gateway node, in ms. */
export const DEFAULT_HEARTBEAT_MS = 1000;

export interface NodeHeartbeat {
  readonly nodeId: string;
  /** Stops beating; the writers then count the node as gone after their dead-after time. */
  stop(): void;
}

/**
 * Returns an id for this gateway process: the host name, the pid and a random suffix. It must
 * differ on every boot, because a node that restarted under the same id would keep beating
 * for the requests its previous life left open, and they would never be recorded as lost.
 */
export function newNodeId(): string {
  const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
  return `${hostname()}-${process.pid}-${suffix}`;
}

/**
 * Publishes `{ nodeId, time }` on the node's heartbeat subject every `intervalMs`, over core
 * NATS: a beat is worth nothing once the next one is due, so it needs no stream. Start it
 * before the first request is admitted, and stop it after the publisher is closed.
 */
export function startNodeHeartbeat(nc: NatsConnection, names: BusNames, nodeId: string,
  logger: Logger, intervalMs = DEFAULT_HEARTBEAT_MS): NodeHeartbeat {
  const subject = heartbeatSubject(names, nodeId);
  let failing = false;
  const beat = (): void => {
    try {
      nc.publish(subject, JSON.stringify({ nodeId, time: Date.now() }));
      failing = false;
    } catch (error) {
      // One line per outage: the writers will count this node as gone if it lasts.
      if (!failing) {
        logger.log("warn", "bus.heartbeat_failed", {
          node_id: nodeId,
          error: describeError(error),
        });
      }
      failing = true;
    }
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  return {
    nodeId,
    stop() {
      clearInterval(timer);
    },
  };
}
