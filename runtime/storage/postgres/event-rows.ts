import type { CapturedBodies } from "../../audit/capture-record.ts";
import {
  type PlainColumnValues, plainColumnsOf, plainFieldsOf,
} from "../../audit/event-columns.ts";
import type { TrafficEvent } from "../../audit/traffic-event.ts";

/** A `traffic_events` row as written; `postgres` fills each column from its property. */
export interface EventRow extends PlainColumnValues {
  day: string;
  time: number;
  stream: boolean;
  /** Sent as JSON: the client serializes values bound to jsonb columns itself. */
  detail: Record<string, unknown>;
  request_body: Uint8Array | null;
  response_body: Uint8Array | null;
  body_capture: CapturedBodies | null;
  bodies_kept: boolean | null;
}

/** A row as read back: bigint arrives as a string, and the inline bodies are left unread. */
export interface StoredEventRow extends Omit<EventRow,
  "time" | "request_body" | "response_body"> {
  time: string;
}

export const EVENT_COLUMNS = [
  "request_id", "day", "time", "client_request_id", "key_id", "org", "project", "route",
  "provider", "model", "upstream_model", "stream", "status", "error_code", "latency_ms",
  "ttft_ms", "input_tokens", "output_tokens", "cached_tokens", "cache_write_tokens",
  "reasoning_tokens", "cost_usd", "detail", "request_body", "response_body", "body_capture",
  "bodies_kept",
] as const;

/** Every column but the inline bodies, which `list` and `get` leave unread. */
export const READ_COLUMNS = EVENT_COLUMNS.filter(
  (column) => column !== "request_body" && column !== "response_body",
);

/**
 * Returns the UTC day (`YYYY-MM-DD`) of an epoch-millisecond time: the partition key. It
 * depends on the event's own time only, so a retried event always lands in the same partition.
 */
export function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

export function toEventRow(event: TrafficEvent): EventRow {
  return {
    ...plainColumnsOf(event),
    day: dayOf(event.time),
    time: event.time,
    stream: event.stream,
    detail: event.detail,
    request_body: event.captureInline?.request ?? null,
    response_body: event.captureInline?.response ?? null,
    body_capture: event.capture ?? null,
    bodies_kept: event.capture === undefined ? null : true,
  };
}

export function fromEventRow(row: StoredEventRow): TrafficEvent {
  return {
    ...plainFieldsOf(row),
    time: Number(row.time),
    stream: row.stream,
    detail: row.detail,
    ...(row.body_capture === null ? {} : { capture: row.body_capture }),
  };
}
