import type { Database } from "bun:sqlite";
import type { OpenRequestStore } from "./open-requests.ts";
import type { RequestStart } from "./request-start.ts";

/**
 * Open requests in the embedded database (`open_requests`), for a bus writer that stores
 * events there. A request whose id is in `traffic_events` already has its event. SQLite runs
 * one writer at a time, so the check and the insert of `open` cannot race a commit.
 */
export class SqliteOpenRequests implements OpenRequestStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async open(starts: readonly RequestStart[]): Promise<number> {
    const insert = this.#db.query<unknown, [string, string, number, string, string]>(`
      INSERT INTO open_requests (request_id, node_id, time, record)
      SELECT ?, ?, ?, ?
      WHERE NOT EXISTS (SELECT 1 FROM traffic_events WHERE request_id = ?)
      ON CONFLICT (request_id) DO NOTHING`);
    return this.#db.transaction(() => {
      let kept = 0;
      for (const start of starts) {
        kept += insert.run(start.requestId, start.nodeId, start.time, JSON.stringify(start),
          start.requestId).changes;
      }
      return kept;
    }).immediate();
  }

  async close(requestIds: readonly string[]): Promise<void> {
    const remove = this.#db.query<unknown, [string]>(
      "DELETE FROM open_requests WHERE request_id = ?");
    this.#db.transaction(() => {
      for (const id of requestIds) remove.run(id);
    }).immediate();
  }

  async list(limit: number): Promise<RequestStart[]> {
    this.#db.run(`DELETE FROM open_requests
      WHERE request_id IN (SELECT request_id FROM traffic_events)`);
    const rows = this.#db.query<{ record: string }, [number]>(
      "SELECT record FROM open_requests ORDER BY time, request_id LIMIT ?").all(limit);
    return rows.map((row) => JSON.parse(row.record) as RequestStart);
  }
}
