import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CircuitBreaker } from "../../../runtime/cache/semantic-breaker.ts";
import { PoisonGuard } from "../../../runtime/cache/semantic-poison.ts";
import { SqlitePoisonPersistence } from "../../../runtime/cache/semantic-poison-sqlite.ts";
import { openEmbeddedDatabase } from "../../../runtime/storage/embedded/open-database.ts";

describe("circuit breaker", () => {
  test("opens after consecutive failures", () => {
    const clock = { now: 0 };
    const breaker = new CircuitBreaker({ failures: 3, cooldownMs: 100, now: () => clock.now });
    expect(breaker.failure()).toBe(false);
    breaker.success();
    expect(breaker.failure()).toBe(false);
    expect(breaker.failure()).toBe(false);
    expect(breaker.open).toBe(false);
    expect(breaker.failure()).toBe(true);
    expect(breaker.open).toBe(true);
  });

  test("failed trial reopens at once", () => {
    const clock = { now: 0 };
    const breaker = new CircuitBreaker({ failures: 2, cooldownMs: 100, now: () => clock.now });
    breaker.failure();
    breaker.failure();
    clock.now = 100;
    expect(breaker.open).toBe(false);
    expect(breaker.failure()).toBe(true);
    expect(breaker.open).toBe(true);
  });

  test("successful trial closes", () => {
    const clock = { now: 0 };
    const breaker = new CircuitBreaker({ failures: 2, cooldownMs: 100, now: () => clock.now });
    breaker.failure();
    breaker.failure();
    clock.now = 100;
    breaker.success();
    expect(breaker.failure()).toBe(false);
    expect(breaker.open).toBe(false);
  });
});

describe("poison guard", () => {
  test("blocks a prompt per scope", async () => {
    const guard = new PoisonGuard();
    await guard.poison("org:acme", "f1");
    expect(await guard.isPoisoned("org:acme", "f1")).toBe(true);
    expect(await guard.isPoisoned("org:globex", "f1")).toBe(false);
    expect(await guard.isPoisoned("org:acme", "f2")).toBe(false);
  });

  test("finds stored keys by prompt", async () => {
    const guard = new PoisonGuard();
    await guard.stored("k1", "org:acme", "f1");
    await guard.stored("k2", "org:globex", "f1");
    await guard.stored("k3", "org:acme", "f2");
    expect(await guard.storeKeysOf("org:acme", new Set(["f1"]))).toEqual(["k1"]);
    guard.forget("k1");
    expect(await guard.storeKeysOf("org:acme", new Set(["f1"]))).toEqual([]);
  });

  test("reports survive a restart in sqlite", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "nexus-poison-"));
    try {
      const db = openEmbeddedDatabase(dataDir);
      await new PoisonGuard(new SqlitePoisonPersistence(db)).poison("org:acme", "f1");
      db.close();

      const reopened = openEmbeddedDatabase(dataDir);
      const guard = new PoisonGuard(new SqlitePoisonPersistence(reopened));
      await guard.ready;
      expect(await guard.isPoisoned("org:acme", "f1")).toBe(true);
      expect(await guard.isPoisoned("org:globex", "f1")).toBe(false);
      reopened.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
