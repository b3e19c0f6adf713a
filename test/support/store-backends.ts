import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteEventStore } from "../../runtime/audit/sqlite-event-store.ts";
import type { EventStore } from "../../runtime/audit/traffic-event.ts";
import type { ControlStore } from "../../runtime/controls/control-store.ts";
import { SqliteControlStore } from "../../runtime/controls/sqlite-control-store.ts";
import { SqliteKeyStore } from "../../runtime/identity/keys/sqlite-key-store.ts";
import type { KeyStore } from "../../runtime/identity/keys/types.ts";
import { openEmbeddedDatabase } from "../../runtime/storage/embedded/open-database.ts";
import { PgControlStore } from "../../runtime/storage/postgres/pg-control-store.ts";
import { PgEventStore } from "../../runtime/storage/postgres/pg-event-store.ts";
import { PgKeyStore } from "../../runtime/storage/postgres/pg-key-store.ts";
import { openPostgresForTest, postgresAvailable } from "./postgres.ts";

/** The three stores over one connection, as one gateway node or CLI process uses them. */
export interface Stores {
  keys: KeyStore;
  events: EventStore;
  controls: ControlStore;
}

/** A fresh, empty store of one backend. */
export interface StoreBackend extends Stores {
  /** Opens the same store over another connection, as another process or node would. */
  connect(): Promise<Stores>;
  /** Runs a statement outside the stores' API; rejects with the store's error. */
  exec(statement: string): Promise<void>;
  close(): Promise<void>;
}

export interface BackendKind {
  name: "sqlite" | "postgres";
  /** False when the backend's server is down and CI is not set; its tests are skipped. */
  available: boolean;
  open(): Promise<StoreBackend>;
}

async function openSqliteBackend(): Promise<StoreBackend> {
  const dir = mkdtempSync(join(tmpdir(), "nexus-stores-"));
  const databases: Database[] = [];
  const connect = async (): Promise<Stores> => {
    const db = openEmbeddedDatabase(dir);
    databases.push(db);
    return {
      keys: new SqliteKeyStore(db),
      events: new SqliteEventStore(db),
      controls: new SqliteControlStore(db),
    };
  };
  const first = await connect();
  return {
    ...first,
    connect,
    async exec(statement) {
      databases[0]!.exec(statement);
    },
    async close() {
      for (const db of databases) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgresBackend(): Promise<StoreBackend> {
  const context = await openPostgresForTest();
  if (context === null) throw new Error("PostgreSQL is not reachable");
  const storesOver = async (sql: typeof context.sql): Promise<Stores> => ({
    // A short cache keeps the cross-node tests quick; production uses the default.
    keys: new PgKeyStore(sql, { cacheTtlMs: 100 }),
    events: new PgEventStore(sql),
    controls: await PgControlStore.open(sql),
  });
  const first = await storesOver(context.sql);
  return {
    ...first,
    connect: async () => storesOver(await context.connect()),
    async exec(statement) {
      await context.sql.unsafe(statement);
    },
    close: () => context.close(),
  };
}

/** Every backend that the store tests run against, embedded first. */
export const BACKENDS: BackendKind[] = [
  { name: "sqlite", available: true, open: openSqliteBackend },
  { name: "postgres", available: await postgresAvailable(), open: openPostgresBackend },
];
