import { Counter, Gauge, type Registry } from "prom-client";

/** Prometheus metrics of the SIEM forwarder, labelled by sink name. */
export interface SiemMetrics {
  sent: Counter<"sink">;
  failures: Counter<"sink" | "action">;
  dropped: Counter<"sink" | "reason">;
  queuedBytes: Gauge<"sink">;
  queuedRecords: Gauge<"sink">;
}

/** Registers the SIEM metrics in the gateway's registry. */
export function createSiemMetrics(registry: Registry): SiemMetrics {
  return {
    sent: new Counter({
      name: "nexus_siem_records_sent_total",
      help: "Records a SIEM sink accepted, by sink.",
      labelNames: ["sink"],
      registers: [registry],
    }),
    failures: new Counter({
      name: "nexus_siem_send_failures_total",
      help: "Failed batch sends, by sink and next step (retry, drop, halt).",
      labelNames: ["sink", "action"],
      registers: [registry],
    }),
    dropped: new Counter({
      name: "nexus_siem_records_dropped_total",
      help: "Records never delivered, by sink and reason (queue_full, rejected, corrupt).",
      labelNames: ["sink", "reason"],
      registers: [registry],
    }),
    queuedBytes: new Gauge({
      name: "nexus_siem_queue_bytes",
      help: "Bytes of undelivered records in a sink's on-disk queue.",
      labelNames: ["sink"],
      registers: [registry],
    }),
    queuedRecords: new Gauge({
      name: "nexus_siem_queue_records",
      help: "Undelivered records in a sink's on-disk queue.",
      labelNames: ["sink"],
      registers: [registry],
    }),
  };
}
