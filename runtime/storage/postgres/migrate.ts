import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Sql, TransactionSql } from "postgres";

/** The SQL files shipped with Nexus, applied in the order of their names. */
export const MIGRATIONS_DIR = join(import.meta.dir, "migrations");

/** A migration file as read from disk. */
export interface MigrationFile {
  /** The file name, e.g. `0001_keys_and_controls.sql`; also its id in `schema_migrations`. */
  name: string;
  sql: string;
  /** SHA-256 of the file's bytes, hex. */
  checksum: string;
}

export interface MigrateResult {
  /** Files applied by this run, in order. */
  applied: string[];
  /** Files that an earlier run (or another node) had applied already. */
  skipped: string[];
}

/** Raised when an applied migration file was edited after it ran. */
export class MigrationChecksumError extends Error {
  readonly code = "migration_checksum_mismatch";

  constructor(readonly file: string, stored: string, actual: string) {
    super(`Migration ${file} was changed after it was applied (recorded checksum ` +
      `${stored.slice(0, 12)}…, file now ${actual.slice(0, 12)}…). Applied migrations must ` +
      "not be edited: restore the file and put the change in a new migration.");
    this.name = "MigrationChecksumError";
  }
}

/** Reads the `NNNN_name.sql` files of `dir`, sorted by name. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => /^\d{4}_[\w-]+\.sql$/.test(name)).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const bytes = await readFile(join(dir, name));
    files.push({
      name,
      sql: bytes.toString("utf8"),
      checksum: createHash("sha256").update(bytes).digest("hex"),
    });
  }
  return files;
}

/**
 * Applies the migrations not yet recorded in `schema_migrations` of the current schema, in
 * order, each file in its own transaction together with its record. Every step holds a
 * transaction-scoped advisory lock, so nodes that migrate at the same time apply each file
 * once: the second waits, then finds the file recorded. A recorded file whose checksum
 * differs raises MigrationChecksumError before anything later is applied.
 */
export async function migratePostgres(
  sql: Sql,
  files?: readonly MigrationFile[],
): Promise<MigrateResult> {
  const migrations = files ?? await readMigrations();
  await sql.begin(async (tx) => {
    await lockMigrations(tx);
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`;
  });

  const result: MigrateResult = { applied: [], skipped: [] };
  for (const file of migrations) {
    const applied = await sql.begin(async (tx) => {
      await lockMigrations(tx);
      const [row] = await tx<{ checksum: string }[]>`
        SELECT checksum FROM schema_migrations WHERE name = ${file.name}`;
      if (row !== undefined) {
        if (row.checksum !== file.checksum) {
          throw new MigrationChecksumError(file.name, row.checksum, file.checksum);
        }
        return false;
      }
      await tx.unsafe(file.sql);
      await tx`INSERT INTO schema_migrations (name, checksum)
        VALUES (${file.name}, ${file.checksum})`;
      return true;
    });
    (applied ? result.applied : result.skipped).push(file.name);
  }
  return result;
}

/** Takes the migration lock of the current schema until the transaction ends. */
async function lockMigrations(tx: TransactionSql): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.nexus_migrate'))`;
}
