import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEmbeddedDatabase } from "../../../runtime/storage/embedded/open-database.ts";

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "nexus-db-modes-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

describe("embedded database modes", () => {
  test("new folder and files are owner-only", () => {
    const dataDir = join(root, "nested", "data");
    const db = openEmbeddedDatabase(dataDir);
    try {
      // A write makes sure the WAL contains frames and the shared-memory file exists.
      db.exec("CREATE TABLE probe (x)");
      db.exec("INSERT INTO probe VALUES (1)");

      expect(modeOf(dataDir)).toBe(0o700);
      expect(modeOf(join(dataDir, "nexus.db"))).toBe(0o600);
      expect(modeOf(join(dataDir, "nexus.db-wal"))).toBe(0o600);
      expect(modeOf(join(dataDir, "nexus.db-shm"))).toBe(0o600);
    } finally {
      db.close();
    }
  });

  test("existing readable files are tightened", () => {
    const first = openEmbeddedDatabase(root);
    first.exec("CREATE TABLE probe (x)");
    first.close();
    const path = join(root, "nexus.db");
    chmodSync(path, 0o644);
    writeFileSync(`${path}-wal`, "");
    chmodSync(`${path}-wal`, 0o644);

    const db = openEmbeddedDatabase(root);
    try {
      expect(modeOf(path)).toBe(0o600);
      expect(modeOf(`${path}-wal`)).toBe(0o600);
      expect(modeOf(`${path}-shm`)).toBe(0o600);
    } finally {
      db.close();
    }
  });

  test("existing folder keeps its mode", () => {
    chmodSync(root, 0o750);
    openEmbeddedDatabase(root).close();

    expect(modeOf(root)).toBe(0o750);
  });
});
