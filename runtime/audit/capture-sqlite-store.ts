import type { Database } from "bun:sqlite";
import { pruneCapturedBodies } from "./capture-prune.ts";
import type { InlineBodies } from "./capture-record.ts";
import type { CaptureStore, PruneResult } from "./capture-store.ts";
import type { SpillStore } from "./spill-store.ts";

interface InlineRow {
  request_body: Uint8Array | null;
  response_body: Uint8Array | null;
}

/** Captured bodies of the embedded store: inline parts in SQLite, the rest in spill files. */
export class SqliteCaptureStore implements CaptureStore {
  readonly spill: SpillStore;
  readonly #db: Database;

  constructor(db: Database, spill: SpillStore) {
    this.#db = db;
    this.spill = spill;
  }

  async readInline(requestId: string): Promise<InlineBodies | null> {
    const row = this.#db
      .query<InlineRow, [string]>(
        "SELECT request_body, response_body FROM traffic_events WHERE request_id = ?",
      )
      .get(requestId);
    return row === null ? null : { request: row.request_body, response: row.response_body };
  }

  async readSpill(name: string): Promise<Uint8Array | null> {
    const file = this.spill.read(name);
    if (!(await file.exists())) return null;
    return new Uint8Array(await file.arrayBuffer());
  }

  async prune(cutoff: number): Promise<PruneResult> {
    return pruneCapturedBodies(this.#db, this.spill, cutoff);
  }
}
