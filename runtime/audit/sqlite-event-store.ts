import type { Database } from "bun:sqlite";
import { GATEWAY_LOST } from "../bus/request-start.ts";
import { type PlainColumnValues, plainColumnsOf, plainFieldsOf } from "./event-columns.ts";
import type { EventFilter, EventStore, TrafficEvent } from "./traffic-event.ts";

/** A `traffic_events` row: SQLite keeps booleans as 0/1 and JSON as text. */
interface EventRow extends PlainColumnValues {
  time: number;
  stream: number;
  detail: string | null;
  request_body: Uint8Array | null;
  response_body: Uint8Array | null;
  body_capture: string | null;
  bodies_kept: number | null;
}

const COLUMNS = [
  "request_id", "time", "key_id", "org", "project", "route", "provider", "model",
  "upstream_model", "stream", "status", "error_code", "latency_ms", "ttft_ms", "input_tokens",
  "output_tokens", "cached_tokens", "cache_write_tokens", "reasoning_tokens", "cost_usd",
  "detail", "client_request_id", "request_body", "response_body", "body_capture", "bodies_kept",
] as const;

/** Every column but the inline bodies, which `list` and `get` leave unread. */
const READ_COLUMNS = COLUMNS.filter((c) => c !== "request_body" && c !== "response_body")
  .join(", ");

function toRow(event: TrafficEvent): EventRow {
  return {
    ...plainColumnsOf(event),
    time: event.time,
    stream: event.stream ? 1 : 0,
    detail: JSON.stringify(event.detail),
    request_body: event.captureInline?.request ?? null,
    response_body: event.captureInline?.response ?? null,
    body_capture: event.capture === undefined ? null : JSON.stringify(event.capture),
    bodies_kept: event.capture === undefined ? null : 1,
  };
}

function fromRow(row: EventRow): TrafficEvent {
  return {
    ...plainFieldsOf(row),
    time: row.time,
    stream: row.stream === 1,
    detail: row.detail === null ? {} : (JSON.parse(row.detail) as Record<string, unknown>),
    ...(row.body_capture === null ? {} : { capture: JSON.parse(row.body_capture) }),
  };
}

/** Traffic events in the embedded `bun:sqlite` store. */
export class SqliteEventStore implements EventStore {
  readonly #db: Database;
  readonly #insert;
  readonly #deleteLost;

  constructor(db: Database) {
    this.#db = db;
    const placeholders = COLUMNS.map((column) => `$${column}`).join(", ");
    // A retried batch may repeat a request id; the first write wins so nothing is duplicated.
    this.#insert = db.query(
      `INSERT OR IGNORE INTO traffic_events (${COLUMNS.join(", ")}) VALUES (${placeholders})`,
    );
    // Except that a real final event replaces the record of a request taken for lost.
    this.#deleteLost = db.query<unknown, [string, string]>(
      "DELETE FROM traffic_events WHERE request_id = ? AND error_code = ?",
    );
  }

  async insertBatch(events: readonly TrafficEvent[]): Promise<number> {
    return this.#db.transaction(() => {
      let written = 0;
      for (const event of events) {
        const row = toRow(event) as unknown as Record<string, Uint8Array | string | number | null>;
        if (event.errorCode !== GATEWAY_LOST) this.#deleteLost.run(event.requestId, GATEWAY_LOST);
        written += this.#insert.run(row).changes;
      }
      return written;
    })();
  }

  async list(filter: EventFilter): Promise<TrafficEvent[]> {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: filter.limit };
    if (filter.keyId !== undefined) {
      where.push("key_id = $keyId");
      params.keyId = filter.keyId;
    }
    if (filter.org !== undefined) {
      where.push("org = $org");
      params.org = filter.org;
    }
    if (filter.clientRequestId !== undefined) {
      where.push("client_request_id = $clientRequestId");
      params.clientRequestId = filter.clientRequestId;
    }
    if (filter.since !== undefined) {
      where.push("time >= $since");
      params.since = filter.since;
    }
    const clause = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
    return this.#db
      .query<EventRow, Record<string, string | number>>(
        `SELECT ${READ_COLUMNS} FROM traffic_events ${clause}
         ORDER BY time DESC, request_id LIMIT $limit`,
      )
      .all(params)
      .map(fromRow);
  }

  async get(requestId: string): Promise<TrafficEvent | undefined> {
    const row = this.#db
      .query<EventRow, [string]>(
        `SELECT ${READ_COLUMNS} FROM traffic_events WHERE request_id = ?`,
      )
      .get(requestId);
    return row === null ? undefined : fromRow(row);
  }
}
