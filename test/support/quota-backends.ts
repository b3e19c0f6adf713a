import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { QuotaStore } from "../../runtime/quota/quota-store.ts";
import { SqliteQuotaStore } from "../../runtime/quota/sqlite-quota-store.ts";
import { ValkeyQuotaStore } from "../../runtime/quota/valkey-quota-store.ts";
import { openEmbeddedDatabase } from "../../runtime/storage/embedded/open-database.ts";
import type { ValkeyTestContext } from "./valkey.ts";

/** A quota backend: `open` starts an empty store, `reopen` a new instance on the same data. */
export interface QuotaBackend {
  name: "sqlite" | "valkey";
  open(): QuotaStore;
  reopen(): QuotaStore;
  close(): void;
}

/** Calls the store's `close` when it has one, which writes spend it still buffers. */
function closeStore(store: QuotaStore | undefined): void {
  (store as { close?: () => void } | undefined)?.close?.();
}

function sqliteBackend(): QuotaBackend {
  let dataDir = "";
  let db: Database | undefined;
  let store: QuotaStore | undefined;
  return {
    name: "sqlite",
    open() {
      dataDir = mkdtempSync(join(tmpdir(), "nexus-quota-"));
      db = openEmbeddedDatabase(dataDir);
      store = new SqliteQuotaStore(db);
      return store;
    },
    reopen() {
      closeStore(store);
      db!.close();
      db = openEmbeddedDatabase(dataDir);
      store = new SqliteQuotaStore(db);
      return store;
    },
    close() {
      closeStore(store);
      db?.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let namespaces = 0;

function valkeyBackend(valkey: ValkeyTestContext, label: string): QuotaBackend {
  let prefix = "";
  return {
    name: "valkey",
    open() {
      prefix = `${valkey.prefix}${label}:${namespaces++}:`;
      return new ValkeyQuotaStore(valkey.client, { prefix });
    },
    reopen: () => new ValkeyQuotaStore(valkey.client, { prefix }),
    close() {},
  };
}

/**
 * Returns the quota stores a suite runs on: SQLite always, and Valkey when the test server is
 * up (`openValkeyForTest` fails instead under CI). Each `open` of Valkey takes a fresh key
 * prefix under `label`.
 */
export function quotaBackends(valkey: ValkeyTestContext | null, label: string): QuotaBackend[] {
  return [sqliteBackend(), ...(valkey === null ? [] : [valkeyBackend(valkey, label)])];
}
