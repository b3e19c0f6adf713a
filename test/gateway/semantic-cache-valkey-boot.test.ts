import { afterAll, describe, expect, test } from "bun:test";
import { ValkeySemanticEntryStore } from "../../runtime/cache/semantic-entry-valkey.ts";
import { validateConfig } from "../../runtime/config/load.ts";
import { ModelCatalog } from "../../runtime/config/models.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { buildSemanticCache } from "../../services/gateway/src/cache/semantic-cache.ts";
import { openValkeyForTest, TEST_VALKEY_URL } from "../support/valkey.ts";

const catalog = new ModelCatalog(validateConfig({
  providers: { openai: { type: "openai", baseUrl: "http://127.0.0.1:9/v1", apiKeyEnv: "UNUSED" } },
  models: {
    "embed-test": { provider: "openai", upstreamModel: "text-embedding-3-small",
      kind: "embedding" },
  },
}, "/tmp/nexus.config.yaml").config);

const CONFIG = { enabled: true, embeddingModel: "embed-test", threshold: 0.9 };
const PARTITION = "org:acme\njson\nshape";

const valkey = await openValkeyForTest();
afterAll(async () => {
  await valkey?.close();
});

describe.skipIf(valkey === null)("semantic index from valkey", () => {
  test("new node builds index at boot", async () => {
    const writer = new ValkeySemanticEntryStore(valkey!.client, valkey!.prefix);
    const now = Date.now();
    await writer.put({
      id: "chat:one",
      scope: "org:acme",
      partition: PARTITION,
      promptFingerprint: "prompt-1",
      vector: Float32Array.from([1, 0, 0, 0]),
      answer: "{}",
      storedAt: now,
      expiresAt: now + 60_000,
    });

    const entries = await ValkeySemanticEntryStore.open(TEST_VALKEY_URL, valkey!.prefix);
    try {
      const logger = createLogger(() => {});
      const built = buildSemanticCache(CONFIG, 60_000, catalog, { entries, logger })!;
      await built.ready;
      expect(built.index.size).toBe(1);
      const match = built.index.search(PARTITION, Float32Array.from([0.99, 0.1, 0, 0]), 0.9);
      expect(match?.id).toBe("chat:one");
      expect(built.index.search("org:globex\njson\nshape", Float32Array.from([1, 0, 0, 0]), 0.9))
        .toBeNull();
    } finally {
      entries.close();
    }
  });
});
