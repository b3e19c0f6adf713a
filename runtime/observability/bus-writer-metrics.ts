import type { GatewayMetrics } from "./metrics.ts";

/** The counters a production node's bus writer and open-request sweep update. */
export type BusWriterMetrics =
  Pick<GatewayMetrics, "auditEventsWritten" | "busEventsCommitted" | "gatewayLostWritten">;

/**
 * Returns the `onCommitted` and `onLost` callbacks that count what the writer and the sweep of
 * this process store. `nexus_audit_events_written_total` counts only rows that were new, so a
 * redelivered batch is not counted twice.
 */
export function busWriterMetricHooks(metrics: BusWriterMetrics): {
  onCommitted: (written: number, events: readonly unknown[]) => void;
  onLost: (written: number) => void;
} {
  return {
    onCommitted: (written, events) => {
      metrics.busEventsCommitted.inc(events.length);
      metrics.auditEventsWritten.inc(written);
    },
    onLost: (written) => {
      metrics.gatewayLostWritten.inc(written);
      metrics.auditEventsWritten.inc(written);
    },
  };
}
