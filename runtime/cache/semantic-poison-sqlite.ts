import type { Database } from "bun:sqlite";
import type { PoisonPersistence } from "./semantic-poison.ts";

/** Keeps reported prompts in the embedded store's `cache_poisoned_prompts` table. */
export class SqlitePoisonPersistence implements PoisonPersistence {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  load(): { scope: string; promptFingerprint: string }[] {
    return this.#db
      .query("SELECT scope, prompt_fingerprint AS promptFingerprint FROM cache_poisoned_prompts")
      .all() as { scope: string; promptFingerprint: string }[];
  }

  save(scope: string, promptFingerprint: string): void {
    this.#db
      .query(`INSERT OR IGNORE INTO cache_poisoned_prompts (scope, prompt_fingerprint, reported_at)
              VALUES (?, ?, ?)`)
      .run(scope, promptFingerprint, Date.now());
  }
}
