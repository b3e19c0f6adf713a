import type { CapturedBodies } from "../../audit/capture-record.ts";
import type { TrafficEvent } from "../../audit/traffic-event.ts";

/** A `traffic_events` row as written; `postgres` fills each column from its property. */
export interface EventRow {
  request_id: string;
  day: string;
  time: number;
  client_request_id: string | null;
  key_id: string | null;
  org: string | null;
  project: string | null;
  route: string;
  provider: string | null;
  model: string | null;
  upstream_model: string | null;
  stream: boolean;
  status: number;
  error_code: string | null;
  latency_ms: number;
  ttft_ms: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cached_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: number | null;
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
    request_id: event.requestId,
    day: dayOf(event.time),
    time: event.time,
    client_request_id: event.clientRequestId,
    key_id: event.keyId,
    org: event.org,
    project: event.project,
    route: event.route,
    provider: event.provider,
    model: event.model,
    upstream_model: event.upstreamModel,
    stream: event.stream,
    status: event.status,
    error_code: event.errorCode,
    latency_ms: event.latencyMs,
    ttft_ms: event.ttftMs,
    input_tokens: event.inputTokens,
    output_tokens: event.outputTokens,
    cached_tokens: event.cachedTokens,
    cache_write_tokens: event.cacheWriteTokens,
    reasoning_tokens: event.reasoningTokens,
    cost_usd: event.costUsd,
    detail: event.detail,
    request_body: event.captureInline?.request ?? null,
    response_body: event.captureInline?.response ?? null,
    body_capture: event.capture ?? null,
    bodies_kept: event.capture === undefined ? null : true,
  };
}

export function fromEventRow(row: StoredEventRow): TrafficEvent {
  return {
    requestId: row.request_id,
    clientRequestId: row.client_request_id,
    time: Number(row.time),
    keyId: row.key_id,
    org: row.org,
    project: row.project,
    route: row.route,
    provider: row.provider,
    model: row.model,
    upstreamModel: row.upstream_model,
    stream: row.stream,
    status: row.status,
    errorCode: row.error_code,
    latencyMs: row.latency_ms,
    ttftMs: row.ttft_ms,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cachedTokens: row.cached_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    reasoningTokens: row.reasoning_tokens,
    costUsd: row.cost_usd,
    detail: row.detail,
    ...(row.body_capture === null ? {} : { capture: row.body_capture }),
  };
}
