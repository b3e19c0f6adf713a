import { describe, expect, test } from "bun:test";
import { changedFixedFields } from "../../runtime/config/fixed-fields.ts";
import { type LoadedConfig, validateConfig } from "../../runtime/config/load.ts";
import { keepNodeLocal, nodeLocalFieldsSet } from "../../runtime/config/node-local.ts";

const STORAGE = {
  postgres: { url: "postgres://127.0.0.1:5432/nexus" },
  valkey: { url: "redis://127.0.0.1:6379" },
  nats: { url: "nats://127.0.0.1:4222" },
};

/** Builds a valid config at `path` with one model, plus `extra` top-level fields. */
function config(path: string, extra: Record<string, unknown>): LoadedConfig {
  return validateConfig({
    providers: { openai: { type: "openai", baseUrl: "http://127.0.0.1:9/v1" } },
    models: { "gpt-test": { provider: "openai", upstreamModel: "gpt-4o-mini" } },
    ...extra,
  }, path);
}

describe("keepNodeLocal", () => {
  const node = config("/srv/node-b/nexus.yaml", {
    server: { host: "127.0.0.1", port: 3051 },
    dataDir: "data-b",
    storage: { ...STORAGE, nats: { ...STORAGE.nats, writer: false } },
  });

  test("keeps the node's port and data folder", () => {
    const pushed = config("/tmp/push.yaml", {
      server: { host: "127.0.0.1", port: 3050, maxBodyBytes: 2048 },
      dataDir: "data-a",
      storage: STORAGE,
      cache: { enabled: true, ttlSeconds: 60 },
    });
    const { loaded, ignored } = keepNodeLocal(pushed, node);

    expect(loaded.config.server).toEqual({ host: "127.0.0.1", port: 3051, maxBodyBytes: 2048 });
    expect(loaded.dataDir).toBe("/srv/node-b/data-b");
    expect(loaded.path).toBe(node.path);
    expect(loaded.config.storage?.nats?.writer).toBe(false);
    expect(loaded.config.cache).toEqual({ enabled: true, ttlSeconds: 60 });
    expect(ignored).toEqual(["server.port", "dataDir"]);
  });

  test("drops values the node leaves out", () => {
    const bare = config("/srv/node-c/nexus.yaml", { storage: STORAGE });
    const pushed = config("/tmp/push.yaml", {
      server: { port: 3050 },
      simulator: { enabled: true },
      storage: { ...STORAGE, nats: { ...STORAGE.nats, spillMaxBytes: 1024 } },
    });
    const { loaded, ignored } = keepNodeLocal(pushed, bare);

    expect(loaded.config.server).toEqual({});
    expect(loaded.config.simulator).toBeUndefined();
    expect(loaded.config.storage?.nats).toEqual(STORAGE.nats);
    expect(ignored).toEqual(["server.port", "simulator", "storage.nats.spillMaxBytes"]);
  });

  test("lists node-local fields a document sets", () => {
    expect(nodeLocalFieldsSet({ server: { maxBodyBytes: 2048 }, dataDir: "x" }))
      .toEqual(["dataDir"]);
    expect(nodeLocalFieldsSet("not an object")).toEqual([]);
  });
});

describe("changedFixedFields", () => {
  const running = config("/srv/a/nexus.yaml", {
    server: { port: 3050 }, dataDir: "a", storage: STORAGE, keySecretEnv: "NEXUS_KEY_SECRET",
  });

  test("ignores node-local fields", () => {
    const next = config("/srv/b/nexus.yaml", {
      server: { port: 3051 }, dataDir: "b", keySecretEnv: "NEXUS_KEY_SECRET",
      storage: { ...STORAGE, nats: { ...STORAGE.nats, writer: false } },
    });
    expect(changedFixedFields(running, next)).toEqual([]);
  });

  test("names changed shared fields", () => {
    const next = config("/srv/a/nexus.yaml", {
      server: { port: 3050 }, dataDir: "a", keySecretEnv: "OTHER_SECRET",
      storage: { ...STORAGE, valkey: { url: "redis://127.0.0.1:6380" } },
    });
    expect(changedFixedFields(running, next)).toEqual(["storage", "keySecretEnv"]);
  });
});
