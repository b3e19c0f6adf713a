import type { TrafficEvent } from "./traffic-event.ts";

/**
 * Where the gateway hands each traffic event: the embedded EventWriter stores it, the bus
 * publisher sends it to NATS JetStream. Both keep events in memory and write them later, so
 * neither slows the request.
 */
export interface AuditSink {
  /**
   * Queues `event` and returns at once. An event that cannot be kept or written is logged with
   * its request id and counted in `nexus_audit_write_failures_total`, never thrown.
   */
  write(event: TrafficEvent): void;
  /** Writes what is queued within the sink's time bound and rejects later events. */
  close(): void | Promise<void>;
}
