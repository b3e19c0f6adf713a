import type { Database } from "bun:sqlite";
import type { CapturedBodies, CapturedBody } from "./capture-record.ts";
import type { PruneResult } from "./capture-store.ts";
import type { SpillStore } from "./spill-store.ts";

/** Rows pruned per transaction, so a gateway's store is never locked for long. */
const PRUNE_BATCH = 500;

interface CaptureRow {
  request_id: string;
  body_capture: string;
}

/**
 * Deletes the captured bodies of events that arrived before `cutoff` (epoch ms): the inline
 * parts, the spill files and the spill references. Each event keeps its row and its capture
 * metadata (sizes, SHA-256 digests), marked with the time of pruning. Spill files older than
 * the cutoff that no event refers to (their event was never written) are deleted too.
 *
 * Clearing a column leaves its old bytes in the freed part of the page and in older WAL frames,
 * so the prune runs with `secure_delete`, which zeroes freed content, and then checkpoints the
 * WAL and truncates it. A connection that reads older frames at that moment makes the
 * checkpoint stop short, and the next prune's checkpoint removes them.
 * NOTE: copies that a page split left in unused page space before `secure_delete` was on (a
 * store created before `openEmbeddedDatabase` turned it on) stay until a `VACUUM`.
 */
export function pruneCapturedBodies(db: Database, spill: SpillStore, cutoff: number): PruneResult {
  // `openEmbeddedDatabase` turns it on already; a connection opened elsewhere may not have.
  db.exec("PRAGMA secure_delete = ON");
  const result = pruneBatches(db, spill, cutoff);
  if (result.events > 0) db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return result;
}

function pruneBatches(db: Database, spill: SpillStore, cutoff: number): PruneResult {
  const select = db.query<CaptureRow, [number, number]>(
    `SELECT request_id, body_capture FROM traffic_events
     WHERE bodies_kept = 1 AND time < ? ORDER BY time LIMIT ?`,
  );
  const clear = db.query<unknown, [string, string]>(
    `UPDATE traffic_events SET request_body = NULL, response_body = NULL, body_capture = ?,
       bodies_kept = NULL WHERE request_id = ?`,
  );
  const result: PruneResult = { events: 0, files: 0 };
  const now = Date.now();

  while (true) {
    const rows = select.all(cutoff, PRUNE_BATCH);
    if (rows.length === 0) break;

    // Files go first: a crash between the two steps leaves a reference to a missing file,
    // which `events show` reports, rather than a file that nothing would ever delete.
    for (const row of rows) result.files += removeSpills(spill, row.body_capture);
    db.transaction(() => {
      for (const row of rows) clear.run(prunedCapture(row.body_capture, now), row.request_id);
    })();
    result.events += rows.length;
  }

  result.files += spill.sweep(cutoff);
  return result;
}

function removeSpills(spill: SpillStore, json: string): number {
  const capture = JSON.parse(json) as CapturedBodies;
  let removed = 0;
  for (const body of [capture.request, capture.response]) {
    if (body?.spill != null && spill.remove(body.spill)) removed += 1;
  }
  return removed;
}

function prunedCapture(json: string, now: number): string {
  const capture = JSON.parse(json) as CapturedBodies;
  const strip = (body: CapturedBody | null) =>
    body === null ? null : { ...body, inlineBytes: 0, spill: null };
  return JSON.stringify({
    ...capture,
    request: strip(capture.request),
    response: strip(capture.response),
    prunedAt: now,
  });
}
