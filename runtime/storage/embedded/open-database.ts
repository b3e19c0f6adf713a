import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { migrateEmbedded } from "./migrate.ts";

/**
 * Opens (and creates) the embedded store at `<dataDir>/nexus.db`. WAL lets the CLI read and
 * write while a gateway process holds the file open; `busy_timeout` makes a writer wait for the
 * other process's lock instead of failing at once. The gateway passes a short wait, because
 * its writes run on the event loop that serves every request.
 */
export function openEmbeddedDatabase(dataDir: string, busyTimeoutMs = 5000): Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, "nexus.db"), { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  db.exec("PRAGMA foreign_keys = ON");
  migrateEmbedded(db);
  return db;
}
