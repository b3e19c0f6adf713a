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

/**
 * Facts of a request once it is admitted, for its start record: no body and no secret. The
 * publisher adds the node id (see `BusEventPublisher.started`).
 */
export interface AuditStart {
  requestId: string;
  clientRequestId: string | null;
  /** Epoch milliseconds when the request arrived. */
  time: number;
  keyId: string | null;
  org: string | null;
  project: string | null;
  route: string;
  model: string | null;
  /**
   * Provider and upstream model of the first target the model resolved to. A routed request
   * that falls back to another target ends on a different one. Absent from the start records
   * of older nodes.
   */
  provider?: string | null;
  upstreamModel?: string | null;
  stream: boolean;
}

/**
 * Optional on the gateway context: called once per admitted request, so a production node can
 * publish a start record that a writer turns into a `gateway_lost` event if the node dies
 * before the request's final event. The embedded mode leaves it unset.
 */
export interface AuditStartHook {
  auditStart?: (start: AuditStart) => void;
  /**
   * Resolves once the records of a request are acknowledged by the bus (see
   * `BusEventPublisher.settled`), so a response can await it before its last bytes.
   */
  auditSettled?: (requestId: string) => Promise<void>;
  /**
   * Sends a request's start record now if it still waits for its batch, and resolves like
   * `auditSettled` (see `BusEventPublisher.startSettled`). A stream awaits it before its
   * first bytes.
   */
  auditStartSettled?: (requestId: string) => Promise<void>;
}
