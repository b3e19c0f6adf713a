import { describe, expect, test } from "bun:test";
import { type LoadedConfig, validateConfig } from "../../runtime/config/load.ts";
import { keepNodeLocal, nodeLocalFieldsSet } from "../../runtime/config/node-local.ts";
import { DEFAULT_KEY_SECRET_ENV } from "../../services/gateway/src/backends/key-secret.ts";

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
    expect(ignored).toEqual(["server.port", "dataDir", "storage"]);
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
    expect(ignored).toEqual(["server.port", "simulator", "storage"]);
  });

  test("lists node-local fields a document sets", () => {
    expect(nodeLocalFieldsSet({ server: { maxBodyBytes: 2048 }, dataDir: "x" }))
      .toEqual(["dataDir"]);
    expect(nodeLocalFieldsSet("not an object")).toEqual([]);
  });
});

describe("keepNodeLocal bootstrap fields", () => {
  const node = config("/srv/a/nexus.yaml", {
    storage: STORAGE, keySecretEnv: "NODE_SECRET", siem: { sinks: [] },
  });

  test("keeps the node's storage and secret", () => {
    const pushed = config("/tmp/push.yaml", {
      keySecretEnv: "OTHER_SECRET",
      storage: { ...STORAGE, valkey: { url: "redis://127.0.0.1:6379", prefix: "moved:" } },
      server: { maxBodyBytes: 4096 },
    });
    const { loaded, ignored } = keepNodeLocal(pushed, node);

    expect(loaded.config.storage).toEqual(STORAGE);
    expect(loaded.config.keySecretEnv).toBe("NODE_SECRET");
    expect(loaded.config.siem).toEqual({ sinks: [] });
    expect(loaded.config.server?.maxBodyBytes).toBe(4096);
    expect(ignored).toEqual(["storage", "keySecretEnv"]);
  });

  test("omitted storage is filled in", () => {
    const pushed = config("/tmp/push.yaml", {});
    const { loaded, ignored } = keepNodeLocal(pushed, node);

    expect(loaded.config.storage).toEqual(STORAGE);
    expect(ignored).toEqual([]);
  });

  test("default keySecretEnv equals omitted one", () => {
    const omits = config("/srv/b/nexus.yaml", { storage: STORAGE });
    const pushed = config("/tmp/push.yaml", {
      storage: STORAGE, keySecretEnv: DEFAULT_KEY_SECRET_ENV,
    });
    expect(keepNodeLocal(pushed, omits).ignored).toEqual([]);
  });

  test("storage key order is not a change", () => {
    const reordered = {
      nats: STORAGE.nats, valkey: STORAGE.valkey, postgres: STORAGE.postgres,
    };
    const pushed = config("/tmp/push.yaml", { storage: reordered, keySecretEnv: "NODE_SECRET" });
    expect(keepNodeLocal(pushed, node).ignored).toEqual([]);
  });
});
