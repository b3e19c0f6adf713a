import type { TrafficEvent } from "./traffic-event.ts";

/**
 * The `traffic_events` columns that both stores keep exactly as they are in the event, with
 * their event field. The rest (time, stream, detail and the capture columns) is encoded per
 * store: SQLite has no boolean or JSON type, and PostgreSQL returns bigint as a string.
 */
const PLAIN_COLUMNS = {
  request_id: "requestId",
  client_request_id: "clientRequestId",
  key_id: "keyId",
  org: "org",
  project: "project",
  route: "route",
  provider: "provider",
  model: "model",
  upstream_model: "upstreamModel",
  status: "status",
  error_code: "errorCode",
  latency_ms: "latencyMs",
  ttft_ms: "ttftMs",
  input_tokens: "inputTokens",
  output_tokens: "outputTokens",
  cached_tokens: "cachedTokens",
  cache_write_tokens: "cacheWriteTokens",
  reasoning_tokens: "reasoningTokens",
  cost_usd: "costUsd",
} as const satisfies Record<string, keyof TrafficEvent>;

type PlainColumns = typeof PLAIN_COLUMNS;

/** The event fields stored in plain columns. */
export type PlainFields = Pick<TrafficEvent, PlainColumns[keyof PlainColumns]>;

/** The plain columns of a row, named as in the table. */
export type PlainColumnValues = { [C in keyof PlainColumns]: TrafficEvent[PlainColumns[C]] };

const ENTRIES = Object.entries(PLAIN_COLUMNS) as [keyof PlainColumns, keyof PlainFields][];

/** Returns the plain columns of `event`, to be completed with the store's own encodings. */
export function plainColumnsOf(event: TrafficEvent): PlainColumnValues {
  const row: Record<string, unknown> = {};
  for (const [column, field] of ENTRIES) row[column] = event[field];
  return row as PlainColumnValues;
}

/** Returns the event fields of a row's plain columns. */
export function plainFieldsOf(row: PlainColumnValues): PlainFields {
  const fields: Record<string, unknown> = {};
  for (const [column, field] of ENTRIES) fields[field] = row[column];
  return fields as PlainFields;
}
