import type { SiemRecord } from "./record.ts";

/** A SIEM destination. One worker calls `send` at a time, so sinks need no locking. */
export interface Sink {
  /** Sends one batch; resolves once the receiver accepted it, else throws DeliveryError. */
  send(records: readonly SiemRecord[], signal: AbortSignal): Promise<void>;
  /** Releases sockets; pending sends are abandoned. */
  close(): Promise<void>;
  /** Destination for logs, e.g. `https://splunk:8088/services/collector/event`; no credential. */
  readonly target: string;
}
