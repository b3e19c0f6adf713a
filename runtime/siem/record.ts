import type { TrafficEvent } from "../audit/traffic-event.ts";

/**
 * One audit record for a SIEM: a traffic event, a hook verdict, a control change or any other
 * kind. Records are stored in the on-disk queue as JSON, so every field must be JSON data.
 */
export interface SiemRecord {
  /** Record type, e.g. `traffic`, `hook_verdict`, `control_change`. */
  kind: string;
  /** Unique per record of its kind; SIEMs use it to fold the duplicates a retry can send. */
  id: string;
  /** Epoch milliseconds when the recorded thing happened. */
  time: number;
  /** CEF severity 0..10; the formatter picks one from the data when left out. */
  severity?: number;
  /** Short human-readable title, e.g. `LLM request blocked`. */
  name?: string;
  data: Record<string, unknown>;
}

/**
 * Wraps a stored traffic event as a record of kind `traffic`. Captured body bytes
 * (`captureInline`) are left out, because request and response text must not leave the
 * gateway through the SIEM feed; the capture metadata stays.
 */
export function trafficRecord(event: TrafficEvent): SiemRecord {
  const { captureInline: _bodies, ...rest } = event as TrafficEvent & { captureInline?: unknown };
  return {
    kind: "traffic",
    id: event.requestId,
    time: event.time,
    data: rest as Record<string, unknown>,
  };
}
