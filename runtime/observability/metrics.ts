import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The gateway's Prometheus metrics, in one registry per process. */
export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<"route" | "status" | "provider">;
  requestDuration: Histogram<"route" | "stream">;
  upstreamErrors: Counter<"provider" | "code">;
  auditWriteFailures: Counter<string>;
  auditEventsWritten: Counter<string>;
  clientDisconnects: Counter<"route">;
  busPublished: Counter<"record">;
  busPublishRetries: Counter<"record">;
  busEventsCommitted: Counter<string>;
  gatewayLostWritten: Counter<string>;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "nexus_" });
  return {
    registry,
    requests: new Counter({
      name: "nexus_requests_total",
      help: "Requests completed, by inbound route, HTTP status and provider.",
      labelNames: ["route", "status", "provider"],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: "nexus_request_duration_seconds",
      help: "Time from request arrival to the end of the response.",
      labelNames: ["route", "stream"],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    upstreamErrors: new Counter({
      name: "nexus_upstream_errors_total",
      help: "Failed upstream calls, by provider and Nexus error code.",
      labelNames: ["provider", "code"],
      registers: [registry],
    }),
    auditWriteFailures: new Counter({
      name: "nexus_audit_write_failures_total",
      help: "Traffic events that could not be written to the store.",
      registers: [registry],
    }),
    auditEventsWritten: new Counter({
      name: "nexus_audit_events_written_total",
      help: "Traffic events this process stored (embedded writer, or the bus writer and " +
        "the gateway_lost sweep of a production node); a redelivered event is not counted.",
      registers: [registry],
    }),
    clientDisconnects: new Counter({
      name: "nexus_client_disconnects_total",
      help: "Requests whose client went away before the response ended.",
      labelNames: ["route"],
      registers: [registry],
    }),
    ...createBusMetrics(registry),
  };
}

/** Counters of the production bus: the node's publisher, and its writer when it runs one. */
function createBusMetrics(registry: Registry): Pick<GatewayMetrics,
  "busPublished" | "busPublishRetries" | "busEventsCommitted" | "gatewayLostWritten"> {
  return {
    busPublished: new Counter({
      name: "nexus_bus_published_total",
      help: "Messages this node published that NATS JetStream acknowledged, by record " +
        "(event: a final traffic event, start: a start record).",
      labelNames: ["record"],
      registers: [registry],
    }),
    busPublishRetries: new Counter({
      name: "nexus_bus_publish_retries_total",
      help: "Failed publish attempts that this node retried, by record (event or start).",
      labelNames: ["record"],
      registers: [registry],
    }),
    busEventsCommitted: new Counter({
      name: "nexus_bus_events_committed_total",
      help: "Bus events in batches the writer of this process committed to the store, " +
        "including redelivered ones the store already had.",
      registers: [registry],
    }),
    gatewayLostWritten: new Counter({
      name: "nexus_gateway_lost_events_written_total",
      help: "gateway_lost events the open-request sweep of this process stored.",
      registers: [registry],
    }),
  };
}

/** The counters the bus event publisher updates. */
export type BusPublisherMetrics =
  Pick<GatewayMetrics, "auditWriteFailures" | "busPublished" | "busPublishRetries">;
