import type { Sql } from "postgres";
import type { OpenRequestStore } from "../../bus/open-requests.ts";
import type { RequestStart } from "../../bus/request-start.ts";

/**
 * Open requests in PostgreSQL (`open_requests`, migration 0003). A request whose id is in
 * `traffic_event_ids` already has its event.
 */
export class PgOpenRequests implements OpenRequestStore {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async open(starts: readonly RequestStart[]): Promise<number> {
    if (starts.length === 0) return 0;
    const rows = starts.map((start) => ({
      request_id: start.requestId,
      node_id: start.nodeId,
      time: start.time,
      record: start,
    }));
    // A start that arrives after its final finds the id claimed and is skipped. One that
    // races the final's commit may be inserted, and `list` deletes it on the next sweep.
    const inserted = await this.#sql`
      INSERT INTO open_requests (request_id, node_id, time, record)
      SELECT r.request_id, r.node_id, r.time, r.record
      FROM json_to_recordset(${JSON.stringify(rows)}::text::json)
        AS r(request_id text, node_id text, time bigint, record jsonb)
      WHERE NOT EXISTS (
        SELECT 1 FROM traffic_event_ids t WHERE t.request_id = r.request_id)
      ON CONFLICT (request_id) DO NOTHING`;
    return inserted.count;
  }

  async close(requestIds: readonly string[]): Promise<void> {
    if (requestIds.length === 0) return;
    await this.#sql`DELETE FROM open_requests WHERE request_id = ANY(${[...requestIds]})`;
  }

  async list(limit: number): Promise<RequestStart[]> {
    await this.#sql`
      DELETE FROM open_requests o USING traffic_event_ids t
      WHERE o.request_id = t.request_id`;
    // Checked again in the read: a start that raced its final's commit may have been
    // stored after the delete above, and it must not be swept as lost.
    const rows = await this.#sql<{ record: RequestStart }[]>`
      SELECT record FROM open_requests o
      WHERE NOT EXISTS (SELECT 1 FROM traffic_event_ids t WHERE t.request_id = o.request_id)
      ORDER BY time, request_id LIMIT ${limit}`;
    return rows.map((row) => row.record);
  }
}
