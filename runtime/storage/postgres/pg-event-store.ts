import type { Sql, TransactionSql } from "postgres";
import type { EventFilter, EventStore, TrafficEvent } from "../../audit/traffic-event.ts";
import { GATEWAY_LOST } from "../../bus/request-start.ts";
import { createEventPartitions } from "./event-partitions.ts";
import {
  EVENT_COLUMNS, type EventRow, READ_COLUMNS, type StoredEventRow, dayOf, fromEventRow,
  toEventRow,
} from "./event-rows.ts";
import { PgCaptureStore } from "./pg-capture-store.ts";

/**
 * Rows per INSERT statement. PostgreSQL takes at most 65535 parameters per statement and an
 * event row has 27, so 1000 rows (27000 parameters) stays well below it.
 */
const ROWS_PER_STATEMENT = 1000;

/** SQLSTATE 23514: "no partition of relation found for row" (a partition was dropped). */
const NO_PARTITION = "23514";

/**
 * Traffic events in PostgreSQL, in daily partitions. A request id is stored at most once
 * across all partitions, because it is the primary key of `traffic_event_ids`. Each batch
 * inserts its ids there first, in the same transaction, and writes only the events whose id
 * was new. One exception: a real final event replaces the `gateway_lost` record that a writer
 * stored when it took the request's node for dead (see open-request-tracker.ts).
 */
export class PgEventStore implements EventStore {
  /** The events' captured bodies, read and pruned through `captureStoreOf`. */
  readonly captures: PgCaptureStore;
  readonly #sql: Sql;
  /** Days whose partition this store created or found, so each is checked once. */
  readonly #knownDays = new Set<string>();

  constructor(sql: Sql) {
    this.#sql = sql;
    this.captures = new PgCaptureStore(sql);
  }

  async insertBatch(events: readonly TrafficEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    await this.#ensurePartitions(events);
    try {
      return await this.#write(events);
    } catch (error) {
      if ((error as { code?: unknown }).code !== NO_PARTITION) throw error;
      // Another node's retention job dropped a partition that this store assumed to exist.
      this.#knownDays.clear();
      await this.#ensurePartitions(events);
      return this.#write(events);
    }
  }

  async list(filter: EventFilter): Promise<TrafficEvent[]> {
    const sql = this.#sql;
    const conditions = [];
    if (filter.keyId !== undefined) conditions.push(sql`key_id = ${filter.keyId}`);
    if (filter.org !== undefined) conditions.push(sql`org = ${filter.org}`);
    if (filter.clientRequestId !== undefined) {
      conditions.push(sql`client_request_id = ${filter.clientRequestId}`);
    }
    if (filter.since !== undefined) {
      // The day condition lets PostgreSQL skip the partitions of earlier days.
      conditions.push(sql`time >= ${filter.since} AND day >= ${dayOf(filter.since)}::date`);
    }
    const where = conditions.length === 0
      ? sql``
      : sql`WHERE ${conditions.reduce((all, next) => sql`${all} AND ${next}`)}`;
    const rows = await sql<StoredEventRow[]>`
      SELECT ${sql(READ_COLUMNS)} FROM traffic_events ${where}
      ORDER BY time DESC, request_id LIMIT ${filter.limit}`;
    return rows.map(fromEventRow);
  }

  async get(requestId: string): Promise<TrafficEvent | undefined> {
    const sql = this.#sql;
    const [row] = await sql<StoredEventRow[]>`
      SELECT ${sql(READ_COLUMNS)} FROM traffic_events WHERE request_id = ${requestId}`;
    return row === undefined ? undefined : fromEventRow(row);
  }

  async #ensurePartitions(events: readonly TrafficEvent[]): Promise<void> {
    const days = new Set(events.map((event) => dayOf(event.time)));
    for (const day of days) {
      if (this.#knownDays.has(day)) continue;
      await createEventPartitions(this.#sql, day, day);
      this.#knownDays.add(day);
    }
  }

  /** Writes the events whose request id is new, in one transaction; returns how many. */
  #write(events: readonly TrafficEvent[]): Promise<number> {
    // Within one batch the first event of a request id wins, as with a retried batch.
    const byId = new Map<string, EventRow>();
    for (const event of events) {
      if (!byId.has(event.requestId)) byId.set(event.requestId, toEventRow(event));
    }
    const rows = [...byId.values()];
    return this.#sql.begin(async (tx) => {
      let written = 0;
      for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
        written += await insertNew(tx, rows.slice(start, start + ROWS_PER_STATEMENT));
      }
      return written;
    });
  }
}

/**
 * Claims the request ids in `traffic_event_ids`, then inserts the events whose claim was new
 * or whose stored row was a `gateway_lost` record, now replaced. A concurrent transaction
 * claiming the same id waits on the primary key (or on the lost row) until this one ends,
 * then inserts nothing for it.
 */
async function insertNew(tx: TransactionSql, rows: EventRow[]): Promise<number> {
  const ids = rows.map((row) => ({ request_id: row.request_id, day: row.day }));
  const claimed = await tx<{ request_id: string }[]>`
    INSERT INTO traffic_event_ids ${tx(ids, "request_id", "day")}
    ON CONFLICT (request_id) DO NOTHING RETURNING request_id`;
  const fresh = new Set(claimed.map((row) => row.request_id));
  const finals = rows.filter((row) => !fresh.has(row.request_id) &&
    row.error_code !== GATEWAY_LOST);
  for (const id of await replaceLost(tx, finals)) fresh.add(id);
  if (fresh.size === 0) return 0;

  const inserted = await tx`
    INSERT INTO traffic_events ${tx(rows.filter((row) => fresh.has(row.request_id)),
      ...EVENT_COLUMNS)}
    ON CONFLICT DO NOTHING`;
  return inserted.count;
}

/**
 * Deletes the `gateway_lost` rows of `rows`' request ids and moves their id claims to the
 * final events' days; returns the ids whose lost row it deleted. Two writers may store the
 * same final event at once; only the first finds the lost row, because the delete locks it.
 */
async function replaceLost(tx: TransactionSql, rows: EventRow[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const deleted = await tx<{ request_id: string }[]>`
    DELETE FROM traffic_events e USING traffic_event_ids i
    WHERE i.request_id = ANY(${rows.map((row) => row.request_id)}::text[])
      AND e.request_id = i.request_id AND e.day = i.day AND e.error_code = ${GATEWAY_LOST}
    RETURNING e.request_id`;
  if (deleted.length === 0) return [];

  const replaced = new Set(deleted.map((row) => row.request_id));
  const moved = rows.filter((row) => replaced.has(row.request_id))
    .map((row) => ({ request_id: row.request_id, day: row.day }));
  await tx`DELETE FROM traffic_event_ids WHERE request_id = ANY(${[...replaced]}::text[])`;
  await tx`INSERT INTO traffic_event_ids ${tx(moved, "request_id", "day")}`;
  return [...replaced];
}
