import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { join } from "node:path";
import { migrateEmbedded } from "./migrate.ts";

/** Owner-only access: the store contains traffic events and, with capture on, request bodies. */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * Opens (and creates) the embedded store at `<dataDir>/nexus.db`. WAL lets the CLI read and
 * write while a gateway process holds the file open; `busy_timeout` makes a writer wait for the
 * other process's lock instead of failing at once. The gateway passes a short wait, because
 * its writes run on the event loop that serves every request.
 */
export function openEmbeddedDatabase(dataDir: string, busyTimeoutMs = 5000): Database {
  // The mode applies only to folders this call creates; an existing folder keeps its mode.
  mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  const path = join(dataDir, "nexus.db");
  createOwnerOnly(path);
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  db.exec("PRAGMA foreign_keys = ON");
  // Zeroes deleted content and the unused space a page split leaves, so that pruned bodies
  // leave no copies in the file. It costs extra writes when pages are freed or split.
  db.exec("PRAGMA secure_delete = ON");
  migrateEmbedded(db);

  // SQLite creates the -wal and -shm files with the database file's mode, but files that an
  // older version left may still be readable by the group or by others.
  for (const suffix of ["", "-wal", "-shm"]) restrictToOwner(path + suffix);
  return db;
}

/** Creates an empty database file with mode 0600 unless one exists. */
function createOwnerOnly(path: string): void {
  if (existsSync(path)) return;
  // `wx` fails if another process created the file in between, which is fine to ignore.
  try {
    closeSync(openSync(path, "wx", FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

/**
 * Sets mode 0600 on a file this user owns. A file owned by another user (a store shared through
 * group permissions) is left alone, because only its owner may change its mode.
 */
function restrictToOwner(path: string): void {
  if (!existsSync(path)) return;
  const stats = statSync(path);
  if ((stats.mode & 0o077) === 0 || stats.uid !== process.getuid?.()) return;
  chmodSync(path, FILE_MODE);
}
