import type { Sql } from "postgres";
import type { InlineBodies } from "../../audit/capture-record.ts";
import type { CaptureStore, PruneResult } from "../../audit/capture-store.ts";
import { PgSpillTarget } from "./pg-capture-spill.ts";

/** Events pruned per transaction, so no statement holds many row locks for long. */
const PRUNE_BATCH = 500;

/**
 * Captured bodies in PostgreSQL: the inline parts in the event row's `request_body` and
 * `response_body`, the rest in `capture_spill_chunks`. Nothing is kept on a node's disk, so
 * every node and CLI reads and prunes the same bodies.
 */
export class PgCaptureStore implements CaptureStore {
  readonly spill: PgSpillTarget;
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
    this.spill = new PgSpillTarget(sql);
  }

  async readInline(requestId: string): Promise<InlineBodies | null> {
    const [row] = await this.#sql<{ request_body: Buffer | null; response_body: Buffer | null }[]>`
      SELECT request_body, response_body FROM traffic_events WHERE request_id = ${requestId}`;
    if (row === undefined) return null;
    return { request: bytesOf(row.request_body), response: bytesOf(row.response_body) };
  }

  async readSpill(name: string): Promise<Uint8Array | null> {
    const chunks = await this.#sql<{ bytes: Buffer }[]>`
      SELECT bytes FROM capture_spill_chunks WHERE spill = ${name} ORDER BY seq`;
    if (chunks.length === 0) return null;
    return new Uint8Array(Buffer.concat(chunks.map((chunk) => chunk.bytes)));
  }

  /**
   * Clears the bodies of events before `cutoff` in batches, and marks their metadata pruned.
   * The UPDATE re-checks `bodies_kept` on each row it locks, so a second process running at
   * the same time skips the rows the first one cleared: running it on every node is harmless.
   * Spill chunks older than the cutoff whose event was never stored are deleted too.
   */
  async prune(cutoff: number): Promise<PruneResult> {
    const result: PruneResult = { events: 0, files: 0 };
    while (true) {
      const batch = await this.#pruneBatch(cutoff, Date.now());
      result.events += batch.events;
      result.files += batch.files;
      if (batch.events < PRUNE_BATCH) break;
    }
    result.files += await this.#deleteOrphans(cutoff);
    return result;
  }

  /** Prunes up to PRUNE_BATCH events and deletes their spill chunks, in one transaction. */
  #pruneBatch(cutoff: number, now: number): Promise<PruneResult> {
    return this.#sql.begin(async (tx) => {
      const pruned = await tx<{ request_id: string }[]>`
        -- Each body's metadata stays, with no inline part and no spill left.
        UPDATE traffic_events SET request_body = NULL, response_body = NULL, bodies_kept = NULL,
          body_capture = body_capture || jsonb_build_object(
            'prunedAt', ${now}::bigint,
            'request', CASE jsonb_typeof(body_capture -> 'request')
              WHEN 'object' THEN (body_capture -> 'request')
                || '{"inlineBytes": 0, "spill": null}'::jsonb END,
            'response', CASE jsonb_typeof(body_capture -> 'response')
              WHEN 'object' THEN (body_capture -> 'response')
                || '{"inlineBytes": 0, "spill": null}'::jsonb END)
        WHERE (request_id, day) IN (
            SELECT request_id, day FROM traffic_events
            WHERE bodies_kept AND time < ${cutoff} ORDER BY time LIMIT ${PRUNE_BATCH})
          AND bodies_kept
        RETURNING request_id`;
      if (pruned.length === 0) return { events: 0, files: 0 };
      const spills = await tx<{ spill: string }[]>`
        DELETE FROM capture_spill_chunks
        WHERE request_id = ANY(${pruned.map((row) => row.request_id)}::text[])
        RETURNING spill`;
      return { events: pruned.length, files: new Set(spills.map((row) => row.spill)).size };
    });
  }

  /** Deletes spill chunks older than the cutoff whose event was never stored. */
  async #deleteOrphans(cutoff: number): Promise<number> {
    const rows = await this.#sql<{ spill: string }[]>`
      DELETE FROM capture_spill_chunks WHERE time < ${cutoff} RETURNING spill`;
    return new Set(rows.map((row) => row.spill)).size;
  }
}

/** Converts a bytea value, which `postgres` returns as a Buffer, to a plain Uint8Array. */
function bytesOf(value: Buffer | null): Uint8Array | null {
  return value === null ? null : new Uint8Array(value);
}
