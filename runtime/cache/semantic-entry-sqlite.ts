import type { Database } from "bun:sqlite";
import {
  type SemanticEntry,
  type SemanticEntryStore,
  vectorBytes,
  vectorFromBytes,
} from "./semantic-entry-store.ts";

/** Writes between two sweeps of expired rows; the sweep keeps the table bounded by the TTL. */
const PUTS_PER_SWEEP = 500;

interface EntryRow {
  scope: string;
  id: string;
  partition: string;
  prompt_fingerprint: string;
  vector: Uint8Array;
  answer: string;
  stored_at: number;
  expires_at: number;
}

/**
 * Keeps semantic cache entries in the embedded store's `cache_semantic_entries` table. The
 * methods are async only to fit the interface, so a SQLite error becomes a rejection.
 */
export class SqliteSemanticEntryStore implements SemanticEntryStore {
  readonly #db: Database;
  #putsSinceSweep = 0;

  constructor(db: Database) {
    this.#db = db;
  }

  async put(entry: SemanticEntry): Promise<void> {
    this.#db
      .query(`INSERT OR REPLACE INTO cache_semantic_entries
                (scope, id, partition, prompt_fingerprint, vector, answer, stored_at, expires_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(entry.scope, entry.id, entry.partition, entry.promptFingerprint,
        vectorBytes(entry.vector), entry.answer, entry.storedAt, entry.expiresAt);
    this.#putsSinceSweep += 1;
    if (this.#putsSinceSweep >= PUTS_PER_SWEEP) this.sweep(entry.storedAt);
  }

  async get(scope: string, id: string, now: number): Promise<SemanticEntry | null> {
    const row = this.#db
      .query("SELECT * FROM cache_semantic_entries WHERE scope = ? AND id = ? AND expires_at > ?")
      .get(scope, id, now) as EntryRow | null;
    return row === null ? null : toEntry(row);
  }

  async loadLive(now: number, limit: number): Promise<SemanticEntry[]> {
    this.sweep(now);
    const rows = this.#db
      .query(`SELECT * FROM (
                SELECT * FROM cache_semantic_entries WHERE expires_at > ?
                ORDER BY stored_at DESC LIMIT ?
              ) ORDER BY stored_at ASC`)
      .all(now, limit) as EntryRow[];
    return rows.map(toEntry);
  }

  async delete(scope: string, id: string): Promise<void> {
    this.#db.query("DELETE FROM cache_semantic_entries WHERE scope = ? AND id = ?").run(scope, id);
  }

  async deleteByPrompt(scope: string, promptFingerprints: ReadonlySet<string>): Promise<string[]> {
    const ids: string[] = [];
    const remove = this.#db.query(`DELETE FROM cache_semantic_entries
                                   WHERE scope = ? AND prompt_fingerprint = ? RETURNING id`);
    for (const fingerprint of promptFingerprints) {
      const rows = remove.all(scope, fingerprint) as { id: string }[];
      ids.push(...rows.map((row) => row.id));
    }
    return ids;
  }

  /** Deletes the rows expired at `now`. */
  sweep(now: number): void {
    this.#putsSinceSweep = 0;
    this.#db.query("DELETE FROM cache_semantic_entries WHERE expires_at <= ?").run(now);
  }
}

function toEntry(row: EntryRow): SemanticEntry {
  return {
    id: row.id,
    scope: row.scope,
    partition: row.partition,
    promptFingerprint: row.prompt_fingerprint,
    vector: vectorFromBytes(row.vector),
    answer: row.answer,
    storedAt: row.stored_at,
    expiresAt: row.expires_at,
  };
}
