import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../runtime/config/load.ts";
import { ModelCatalog } from "../../runtime/config/models.ts";
import { buildSemanticCache } from "../../services/gateway/src/cache/semantic-cache.ts";

const catalog = new ModelCatalog(validateConfig({
  providers: { openai: { type: "openai", baseUrl: "http://127.0.0.1:9/v1", apiKeyEnv: "UNUSED" } },
  models: {
    "gpt-test": { provider: "openai", upstreamModel: "gpt-4o-mini" },
    "embed-test": { provider: "openai", upstreamModel: "text-embedding-3-small",
      kind: "embedding" },
  },
}, "/tmp/nexus.config.yaml").config);

describe("semantic cache config", () => {
  test("builds with an embedding model", () => {
    const built = buildSemanticCache({ enabled: true, embeddingModel: "embed-test" }, 5000,
      catalog);
    expect(built?.threshold).toBe(0.95);
  });

  test("off when disabled", () => {
    expect(buildSemanticCache({ enabled: false, embeddingModel: "embed-test" }, 5000, catalog))
      .toBeNull();
  });

  test("rejects an unknown model", () => {
    expect(() => buildSemanticCache({ enabled: true, embeddingModel: "nope" }, 5000, catalog))
      .toThrow('embedding model "nope" is not configured');
  });

  test("rejects a chat model", () => {
    expect(() => buildSemanticCache({ enabled: true, embeddingModel: "gpt-test" }, 5000, catalog))
      .toThrow('is not of kind "embedding"');
  });

  test("schema rejects a threshold over 1", () => {
    const withThreshold = (threshold: number) => ({
      providers: { openai: { type: "openai", baseUrl: "http://127.0.0.1:9/v1" } },
      models: { x: { provider: "openai", upstreamModel: "e", kind: "embedding" } },
      cache: { enabled: true, semantic: { enabled: true, embeddingModel: "x", threshold } },
    });
    expect(() => validateConfig(withThreshold(0.9), "/tmp/nexus.config.yaml")).not.toThrow();
    expect(() => validateConfig(withThreshold(2), "/tmp/nexus.config.yaml"))
      .toThrow("/cache/semantic/threshold");
  });
});
