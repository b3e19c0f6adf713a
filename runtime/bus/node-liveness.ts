import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "../observability/log.ts";
import type { BusNames } from "./bus-names.ts";
import type { RequestStart } from "./request-start.ts";

export interface NodeLivenessOptions {
  /** Silence after which a node counts as gone, in ms; a few missed beats by default. */
  deadAfterMs?: number;
  /** Age after which an open request counts as lost whatever its node does, in ms. */
  maxRequestAgeMs?: number;
}

/**
 * Fifteen missed beats at the default 1 s interval: a node must outlast a NATS restart or a
 * short partition without being declared lost.
 */
const DEFAULT_DEAD_AFTER_MS = 15_000;
/** Longer than any stream the gateway lets run (its idle timeout is 5 minutes per gap). */
const DEFAULT_MAX_REQUEST_AGE_MS = 2 * 3_600_000;

/**
 * Heartbeats of the gateway nodes as one writer received them. After its own start or a
 * reconnect the writer waits `deadAfterMs` before it calls any node gone, because it may have
 * missed beats; while it is itself disconnected it calls no node gone at all. A lost record
 * for a live node's request is replaced by the real final event when that arrives, but until
 * then the request shows as lost.
 */
export class NodeLiveness {
  readonly #lastSeen = new Map<string, number>();
  readonly #deadAfterMs: number;
  readonly #maxRequestAgeMs: number;
  #listeningSince = Date.now();
  /** Set while this writer's own connection is down, when a node's silence proves nothing. */
  #disconnected = false;
  #subscription: Subscription | null = null;

  constructor(options: NodeLivenessOptions = {}) {
    this.#deadAfterMs = options.deadAfterMs ?? DEFAULT_DEAD_AFTER_MS;
    this.#maxRequestAgeMs = options.maxRequestAgeMs ?? DEFAULT_MAX_REQUEST_AGE_MS;
  }

  /** Subscribes to every node's heartbeat on `nc` and watches its reconnects. */
  listen(nc: NatsConnection, names: BusNames, logger: Logger): void {
    this.#listeningSince = Date.now();
    this.#subscription = nc.subscribe(`${names.heartbeatSubjectPrefix}.>`, {
      callback: (error, message) => {
        if (error !== null) return;
        try {
          const beat = message.json<{ nodeId?: unknown }>();
          if (typeof beat.nodeId === "string") this.heard(beat.nodeId);
        } catch {
          logger.log("warn", "bus.heartbeat_undecodable", { subject: message.subject });
        }
      },
    });
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === "disconnect") this.disconnected();
        if (status.type === "reconnect") this.reconnected();
      }
    })();
  }

  /** Marks the writer disconnected: no node counts as gone until it is back. */
  disconnected(): void {
    this.#disconnected = true;
  }

  /** Marks the writer back: every node gets `deadAfterMs` from now to be heard again. */
  reconnected(at = Date.now()): void {
    this.#disconnected = false;
    this.#listeningSince = at;
  }

  heard(nodeId: string, at = Date.now()): void {
    this.#lastSeen.set(nodeId, at);
  }

  /**
   * Why `start`'s request is lost, or null while its node may still finish it: the request is
   * older than the maximum age, or its node has been silent for `deadAfterMs` of listening.
   * While the writer is disconnected only the age counts.
   */
  lostReason(start: RequestStart, now = Date.now()): string | null {
    if (now - start.time >= this.#maxRequestAgeMs) {
      return `left it open past the maximum request age of ${this.#maxRequestAgeMs} ms`;
    }
    if (this.#disconnected) return null;
    const heard = Math.max(this.#lastSeen.get(start.nodeId) ?? 0, this.#listeningSince);
    if (now - heard < this.#deadAfterMs) return null;
    return `sent no heartbeat for ${this.#deadAfterMs} ms`;
  }

  stop(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = null;
  }
}
