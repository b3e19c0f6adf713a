import type { Database } from "bun:sqlite";
import { describeError, type Logger } from "../observability/log.ts";
import type { PoisonPersistence, ServedAnswer } from "./semantic-poison.ts";

/** Writes between two sweeps of expired served rows; the sweep bounds the table by the TTL. */
const WRITES_PER_SWEEP = 500;

interface ServedRow {
  scope: string;
  store_key: string;
  prompt_fingerprint: string;
  stored_prompt_fingerprint: string | null;
}

/**
 * Keeps reported prompts in the embedded store's `cache_poisoned_prompts` table, and the
 * answer each request got in `cache_served_requests`. The methods are async only to fit the
 * interface, so a SQLite error becomes a rejection.
 */
export class SqlitePoisonPersistence implements PoisonPersistence {
  readonly #db: Database;
  readonly #logger: Logger | null;
  #writesSinceSweep = 0;

  constructor(db: Database, logger: Logger | null = null) {
    this.#db = db;
    this.#logger = logger;
  }

  async load(): Promise<{ scope: string; promptFingerprint: string }[]> {
    return this.#db
      .query("SELECT scope, prompt_fingerprint AS promptFingerprint FROM cache_poisoned_prompts")
      .all() as { scope: string; promptFingerprint: string }[];
  }

  async save(scope: string, promptFingerprint: string): Promise<void> {
    this.#db
      .query(`INSERT OR IGNORE INTO cache_poisoned_prompts (scope, prompt_fingerprint, reported_at)
              VALUES (?, ?, ?)`)
      .run(scope, promptFingerprint, Date.now());
  }

  async isPoisoned(scope: string, promptFingerprint: string): Promise<boolean> {
    return this.#db
      .query("SELECT 1 FROM cache_poisoned_prompts WHERE scope = ? AND prompt_fingerprint = ?")
      .get(scope, promptFingerprint) !== null;
  }

  /** Keeps the link; a failed write (a busy store) is logged and costs only a later report. */
  async saveServed(requestId: string, served: ServedAnswer, expiresAt: number): Promise<void> {
    try {
      this.#insertServed(requestId, served, expiresAt);
    } catch (error) {
      this.#logger?.log("warn", "cache.served_write_failed", {
        request_id: requestId,
        error: describeError(error),
      });
    }
  }

  #insertServed(requestId: string, served: ServedAnswer, expiresAt: number): void {
    this.#db
      .query(`INSERT OR REPLACE INTO cache_served_requests
                (request_id, scope, store_key, prompt_fingerprint, stored_prompt_fingerprint,
                 expires_at)
              VALUES (?, ?, ?, ?, ?, ?)`)
      .run(requestId, served.scope, served.storeKey, served.promptFingerprint,
        served.storedPromptFingerprint ?? null, expiresAt);
    this.#writesSinceSweep += 1;
    if (this.#writesSinceSweep >= WRITES_PER_SWEEP) this.sweepServed(Date.now());
  }

  async findServed(requestId: string, now: number): Promise<ServedAnswer | undefined> {
    const row = this.#db
      .query(`SELECT scope, store_key, prompt_fingerprint, stored_prompt_fingerprint
              FROM cache_served_requests WHERE request_id = ? AND expires_at > ?`)
      .get(requestId, now) as ServedRow | null;
    if (row === null) return undefined;
    const served: ServedAnswer = {
      scope: row.scope,
      storeKey: row.store_key,
      promptFingerprint: row.prompt_fingerprint,
    };
    if (row.stored_prompt_fingerprint !== null) {
      served.storedPromptFingerprint = row.stored_prompt_fingerprint;
    }
    return served;
  }

  /** Deletes the served rows expired at `now`. */
  sweepServed(now: number): void {
    this.#writesSinceSweep = 0;
    this.#db.query("DELETE FROM cache_served_requests WHERE expires_at <= ?").run(now);
  }
}
